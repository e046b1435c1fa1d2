"""Where does one page's time go? Signs in a user with Django's test client (full middleware),
requests a page ``--requests`` times under cProfile and prints the mean time per request and the
functions with the most time, so template and query costs can be told apart.

    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python bench/profile_page.py \\
        --user pm /contacts/queues/to-screen/ [--sort tottime] [--top 40]

``--user`` is a username of an existing user (e.g. a demo user from var/demo-credentials.json).
Not a benchmark: cProfile slows everything down; use ``bench/pathway.py`` for figures.
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", help="the page's path, e.g. /contacts/queues/to-screen/")
    parser.add_argument("--user", required=True, help="username to sign in as")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--sort", default="cumulative", choices=["cumulative", "tottime"])
    parser.add_argument("--top", type=int, default=35)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from openmash.accounts.models import User

    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username=args.user))
    for _ in range(5):  # warm caches (templates, URL resolver, connection)
        response = client.get(args.path)
        if response.status_code != 200:
            sys.exit(f"{args.path} answered {response.status_code}")
    with CaptureQueriesContext(connection) as queries:
        client.get(args.path)
    started = time.perf_counter()
    for _ in range(args.requests):
        client.get(args.path)
    plain = (time.perf_counter() - started) / args.requests * 1000
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.requests):
        client.get(args.path)
    profiler.disable()
    stats = pstats.Stats(profiler)
    # Function calls per request do not depend on how busy the machine is, unlike times, so
    # they compare two versions of a page even while something else runs.
    calls = stats.total_calls / args.requests
    print(
        f"{args.path}: {plain:.1f} ms per request without the profiler, {len(queries)} queries, "
        f"{calls:,.0f} function calls per request"
    )
    stats.sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
