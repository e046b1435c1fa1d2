"""Compare one page's time between checkouts (A/B), fairly on a noisy shared machine.

Starts one process per variant (each with its own checkout's code and virtualenv, all on the
same ``DATABASE_URL``), signs in ``--user`` with Django's test client (full middleware) and
warms up; then runs short rounds of ``--requests`` requests, alternating the variants round by
round (and the order every other round), so a burst of other work hits all of them alike.
Prints each variant's median, min and max ms per request.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/openmash_demo .venv/bin/python \\
        bench/page_ab.py --user pm /contacts/<uuid>/ before=/work/main after=/work/wt-x

``NAME=DIR:preload-agency`` loads ``request.user`` with ``select_related("agency")`` in that
variant (as the user loader is to do), to see what that saves before it lands.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time


def serve(path: str, username: str, preload_agency: bool) -> None:
    """Worker: after warm-up print "ready"; then each line N on stdin -> N requests, ms each."""
    sys.path.insert(0, os.getcwd())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")
    import logging

    import django

    django.setup()
    logging.disable(logging.CRITICAL)
    from django.contrib.auth import backends, get_user_model
    from django.test import Client

    if preload_agency:
        model = get_user_model()

        def get_user(self, user_id):
            user = model._default_manager.select_related("agency").filter(pk=user_id).first()
            return user if user is not None and self.user_can_authenticate(user) else None

        backends.ModelBackend.get_user = get_user

    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.get(username=username))
    for _ in range(10):
        if client.get(path).status_code != 200:
            sys.exit(f"{path} did not answer 200")
    print("ready", flush=True)
    for line in sys.stdin:
        count = int(line)
        started = time.perf_counter()
        for _ in range(count):
            client.get(path)
        print(f"{(time.perf_counter() - started) / count * 1000:.3f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", help="the page's path, e.g. /contacts/<uuid>/")
    parser.add_argument("variants", nargs="*", help="NAME=CHECKOUT_DIR[:preload-agency]")
    parser.add_argument("--user", required=True, help="username to sign in as")
    parser.add_argument("--rounds", type=int, default=16)
    parser.add_argument("--requests", type=int, default=20, help="requests per round")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--preload-agency", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.path, args.user, args.preload_agency)
        return

    workers = {}
    for variant in args.variants:
        name, _, spec = variant.partition("=")
        checkout, _, option = spec.partition(":")
        command = [
            os.path.join(checkout, ".venv/bin/python"),
            os.path.abspath(__file__),
            "--serve",
            "--user",
            args.user,
            args.path,
            *(["--preload-agency"] if option == "preload-agency" else []),
        ]
        worker = subprocess.Popen(  # noqa: S603 - the caller's own checkouts
            command,
            cwd=checkout,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        if worker.stdout.readline().strip() != "ready":
            sys.exit(f"{name} did not start (run it alone to see why)")
        workers[name] = worker

    times = {name: [] for name in workers}
    for round_number in range(args.rounds):
        names = list(workers) if round_number % 2 == 0 else list(reversed(workers))
        for name in names:
            workers[name].stdin.write(f"{args.requests}\n")
            workers[name].stdin.flush()
            times[name].append(float(workers[name].stdout.readline()))
    for name, worker in workers.items():
        worker.stdin.close()
        worker.wait()
        ms = times[name]
        print(
            f"{name:24} median {statistics.median(ms):6.2f} ms  min {min(ms):6.2f}  "
            f"max {max(ms):6.2f}  ({len(ms)} rounds of {args.requests})"
        )


if __name__ == "__main__":
    main()
