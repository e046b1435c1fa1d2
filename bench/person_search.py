#!/usr/bin/env python
"""Benchmark the person search on a large PostgreSQL index and print p50/p95 timings.

Fills the database named by ``DATABASE_URL`` (default
``postgres://postgres@127.0.0.1:5432/openmash_bench``, created if missing) with ``--people``
synthetic people (default 300,000: a large authority's ten years of children and the adults
around them), then runs ``--searches`` searches (default 200) for people who are in the index,
typed the way people really type them: misspelt surnames, nicknames, names the wrong way round,
transposed digits in dates of birth, an identifier alone, a previous surname, a postcode.

It times each search twice: the selector (``people.selectors.person_search``: the candidate
queries, loading and scoring) and the whole page (a POST to /people/search/ through Django's
full middleware stack and template, as a signed-in MASH social worker). It also reports how
often the person searched for came first and in the top five.

Rows are written with ``bulk_create`` and precomputed match keys (the same ``services.name_keys``
the application uses); bulk writes send no history signals, so the audit chain is not filled.
A second run reuses the people already there; ``--refill`` starts again.

    .venv/bin/python bench/person_search.py                     # 300,000 people, 200 searches
    .venv/bin/python bench/person_search.py --people 100000 --searches 500

Figures from three runs at 300,000 people and 200 searches (AMD EPYC, 2 CPUs shared with other
work at a load average of about 4; Python 3.11; PostgreSQL 15, default configuration; filling
took about 5 minutes): selector p50 14–17 ms, p95 33–49 ms; whole page p50 30–38 ms, p95 53–90
ms; 2–6 queries per search; the person searched for ranked first in 94% of searches and in the
top five in 98% (the misses are names-only searches where several people share the name).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/openmash_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")

SEED = 20240917
TODAY = date(2025, 6, 30)  # fixed, so a run is reproducible whatever the day
DISTRICTS = [f"ME{n}" for n in range(1, 21)] + [f"DA{n}" for n in (1, 2, 3, 11, 12)]
INWARD = "ABDEFGHJLNPQRSTUWXYZ"


def ensure_database(url: str) -> None:
    """Create the benchmark database if it does not exist (PostgreSQL only)."""
    import environ
    import psycopg

    config = environ.Env.db_url_config(url)
    if not config["ENGINE"].endswith("postgresql"):
        sys.exit("The person search benchmark needs PostgreSQL (set DATABASE_URL).")
    admin = psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{config["NAME"]}"')
            print(f"Created database {config['NAME']}")


# -- synthetic people --------------------------------------------------------------------------


class Names:
    """Name pools from Faker's en_GB lists, with its surname frequencies (so common surnames
    are common, as in a real index)."""

    def __init__(self):
        from faker.providers.person.en_GB import Provider

        self.female = list(Provider.first_names_female)
        self.male = list(Provider.first_names_male)
        self.surnames = list(Provider.last_names)
        self.surname_weights = list(Provider.last_names.values())

    def surname(self, rng: random.Random) -> str:
        return rng.choices(self.surnames, self.surname_weights)[0]


def nhs_numbers(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct valid NHS numbers from the range reserved for testing."""
    from openmash.people.identifiers import nhs_number_check_digit

    numbers = []
    for stem in rng.sample(range(1_000_000), min(1_000_000, count * 2)):
        first_nine = f"999{stem:06d}"
        check = nhs_number_check_digit(first_nine)
        if check is not None:
            numbers.append(f"{first_nine}{check}")
            if len(numbers) == count:
                break
    return numbers


def postcode(rng: random.Random) -> str:
    return f"{rng.choice(DISTRICTS)} {rng.randint(1, 9)}{rng.choice(INWARD)}{rng.choice(INWARD)}"


def fill(total: int, batch: int) -> None:
    from django.db import connection, transaction

    from openmash.people.codes import NameKind, Sex
    from openmash.people.identifiers import synthetic_upn
    from openmash.people.models import Address, Person, PersonName
    from openmash.people.services import name_keys, new_local_id

    rng = random.Random(SEED)
    names = Names()
    numbers = iter(nhs_numbers(rng, total))
    started = time.perf_counter()
    made = 0
    while made < total:
        people, person_names, addresses = [], [], []
        for _ in range(min(batch, total - made)):
            sex = rng.choice((Sex.FEMALE, Sex.MALE))
            child = rng.random() < 0.6
            age_days = rng.randint(0, 18 * 365) if child else rng.randint(18 * 365, 75 * 365)
            born = TODAY - timedelta(days=age_days)
            forename = rng.choice(names.female if sex == Sex.FEMALE else names.male)
            middle = rng.choice(names.female + names.male) if rng.random() < 0.4 else ""
            surname = names.surname(rng)
            if rng.random() < 0.03:  # double-barrelled
                surname = f"{surname}-{names.surname(rng)}"
            current_postcode = postcode(rng)
            person = Person(
                forename=forename,
                middle_names=middle,
                surname=surname,
                date_of_birth=born,
                sex=sex,
                nhs_number=next(numbers) if rng.random() < 0.9 else "",
                upn=synthetic_upn(rng) if child and age_days >= 5 * 365 else "",
                local_id=new_local_id(rng),
                postcode=current_postcode,
            )
            people.append(person)
            person_names.append(
                PersonName(
                    person=person,
                    kind=NameKind.CURRENT,
                    forename=forename,
                    surname=surname,
                    **name_keys(forename, surname, middle),
                )
            )
            if rng.random() < 0.12:  # a previous surname or an alias
                other = names.surname(rng)
                kind = rng.choice((NameKind.PREVIOUS, NameKind.ALIAS, NameKind.BIRTH))
                person_names.append(
                    PersonName(
                        person=person,
                        kind=kind,
                        forename=forename,
                        surname=other,
                        **name_keys(forename, other),
                    )
                )
            moved_in = TODAY - timedelta(days=rng.randint(30, min(age_days + 30, 4000)))
            addresses.append(
                Address(
                    person=person,
                    line1=f"{rng.randint(1, 200)} Bench Road",
                    postcode=current_postcode,
                    date_from=moved_in,
                )
            )
            left = moved_in
            for _ in range(rng.choice((0, 0, 1, 1, 2))):
                arrived = left - timedelta(days=rng.randint(180, 1500))
                addresses.append(
                    Address(
                        person=person,
                        line1=f"{rng.randint(1, 200)} Earlier Street",
                        postcode=postcode(rng),
                        date_from=arrived,
                        date_to=left,
                    )
                )
                left = arrived
        with transaction.atomic():
            Person.unscoped.bulk_create(people, batch_size=batch)
            PersonName.objects.bulk_create(person_names, batch_size=batch)
            Address.objects.bulk_create(addresses, batch_size=batch)
        made += len(people)
        rate = made / (time.perf_counter() - started)
        print(f"\r  {made:,} people ({rate:,.0f}/s)", end="", flush=True)
    print()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE people_person, people_personname, people_address")


# -- searches ----------------------------------------------------------------------------------


def typo(name: str, rng: random.Random) -> str:
    """One realistic slip: two letters swapped, one dropped, doubled or a vowel changed."""
    if len(name) < 4:
        return name
    i = rng.randint(1, len(name) - 2)
    kind = rng.choice(("swap", "drop", "double", "vowel"))
    if kind == "swap":
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    if kind == "drop":
        return name[:i] + name[i + 1 :]
    if kind == "double":
        return name[:i] + name[i] + name[i:]
    vowels = [j for j, c in enumerate(name) if c in "aeiouy" and j > 0]
    if not vowels:
        return name[:i] + name[i + 1 :]
    j = rng.choice(vowels)
    return name[:j] + rng.choice([v for v in "aeiouy" if v != name[j]]) + name[j + 1 :]


def transposed(dob: date, rng: random.Random) -> date:
    """The date with day and month swapped or two digits of the day swapped, when valid."""
    for candidate in rng.sample(
        [
            (dob.year, dob.day, dob.month),
            (dob.year, dob.month, int(f"{dob.day:02d}"[::-1])),
            (dob.year, dob.month, dob.day + 1),
        ],
        3,
    ):
        try:
            moved = date(*candidate)
        except ValueError:
            continue
        if moved != dob:
            return moved
    return dob + timedelta(days=1)


def nickname(forename: str, rng: random.Random) -> str | None:
    from openmash.people.nicknames import NICKNAME_GROUPS

    key = forename.lower()
    if key in NICKNAME_GROUPS and NICKNAME_GROUPS[key]:
        return rng.choice(NICKNAME_GROUPS[key]).title()
    for canonical, variants in NICKNAME_GROUPS.items():
        if key in variants:
            return canonical.title()
    return None


KINDS = (
    "exact name and date of birth",
    "misspelt surname and date of birth",
    "nickname and surname",
    "names the wrong way round",
    "transposed date of birth",
    "misspelt names only",
    "NHS number only",
    "surname and postcode",
    "previous surname or alias",
)


def build_queries(count: int):
    """(kind, query, expected person id) for people chosen at random from the index."""
    from openmash.people.codes import NameKind
    from openmash.people.identifiers import format_nhs_number
    from openmash.people.matching import PersonQuery
    from openmash.people.models import Person

    rng = random.Random(SEED + 1)
    ids = list(Person.unscoped.order_by("local_id").values_list("id", flat=True))
    picks = rng.sample(ids, min(len(ids), count * 2))
    people = Person.unscoped.filter(pk__in=picks).prefetch_related("names")
    by_id = {p.pk: p for p in people}
    queries = []
    for n, pk in enumerate(picks):
        if len(queries) == count:
            break
        p = by_id[pk]
        kind = KINDS[n % len(KINDS)]
        query = None
        if kind == KINDS[0]:
            query = PersonQuery(forename=p.forename, surname=p.surname, dob=p.date_of_birth)
        elif kind == KINDS[1]:
            query = PersonQuery(
                forename=p.forename, surname=typo(p.surname, rng), dob=p.date_of_birth
            )
        elif kind == KINDS[2]:
            short = nickname(p.forename, rng)
            if short:
                query = PersonQuery(forename=short, surname=p.surname, dob=p.date_of_birth)
        elif kind == KINDS[3]:
            query = PersonQuery(forename=p.surname, surname=p.forename, dob=p.date_of_birth)
        elif kind == KINDS[4]:
            query = PersonQuery(
                forename=p.forename, surname=p.surname, dob=transposed(p.date_of_birth, rng)
            )
        elif kind == KINDS[5]:
            query = PersonQuery(forename=typo(p.forename, rng), surname=typo(p.surname, rng))
        elif kind == KINDS[6] and p.nhs_number:
            query = PersonQuery(nhs_number=format_nhs_number(p.nhs_number))
        elif kind == KINDS[7]:
            query = PersonQuery(surname=p.surname, postcode=p.postcode.replace(" ", "").lower())
        elif kind == KINDS[8]:
            other = next((x for x in p.names.all() if x.kind != NameKind.CURRENT), None)
            if other:
                query = PersonQuery(forename=p.forename, surname=other.surname, dob=p.date_of_birth)
        if query is None:  # that kind does not apply to this person: the plain search
            kind = KINDS[0]
            query = PersonQuery(forename=p.forename, surname=p.surname, dob=p.date_of_birth)
        queries.append((kind, query, p.pk))
    return queries


def post_data(query) -> dict:
    dob = query.dob
    return {
        "forename": query.forename,
        "surname": query.surname,
        "date_of_birth_0": str(dob.day) if dob else "",
        "date_of_birth_1": str(dob.month) if dob else "",
        "date_of_birth_2": str(dob.year) if dob else "",
        "postcode": query.postcode,
        "nhs_number": query.nhs_number,
        "upn": query.upn,
        "local_id": query.local_id,
    }


def bench_user():
    from allauth.mfa.models import Authenticator

    from openmash.accounts.models import Agency, Role, User
    from openmash.accounts.reference_data import load_reference_data

    load_reference_data()
    user, _ = User.objects.get_or_create(
        username="bench-social-worker",
        defaults={"agency": Agency.objects.get(code="CSC"), "first_name": "Bench"},
    )
    user.roles.set(Role.objects.filter(code="mash_social_worker"))
    Authenticator.objects.get_or_create(
        user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "JBSWY3DPEHPK3PXP"}}
    )
    return User.objects.get(pk=user.pk)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run_searches(count: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from openmash.people.selectors import person_search

    user = bench_user()
    queries = build_queries(count)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)

    for _kind, query, _pk in queries[:20]:  # warm the caches and the connection
        person_search(user, query)

    selector_ms, page_ms, query_counts = [], [], []
    by_kind = defaultdict(list)
    first = top5 = 0
    for kind, query, pk in queries:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            matches = person_search(user, query)
            elapsed = (time.perf_counter() - started) * 1000
        selector_ms.append(elapsed)
        by_kind[kind].append(elapsed)
        query_counts.append(len(captured.captured_queries))
        ranked = [m.person.pk for m in matches]
        first += bool(ranked) and ranked[0] == pk
        top5 += pk in ranked[:5]

        started = time.perf_counter()
        response = client.post("/people/search/", post_data(query))
        page_ms.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            sys.exit(f"Search page answered {response.status_code}")

    n = len(queries)
    print(f"\n{n} searches, after 20 warm-up searches:")
    for label, values in (("selector", selector_ms), ("whole page (POST)", page_ms)):
        print(
            f"  {label:<18} p50 {percentile(values, 50):6.1f} ms   p95 "
            f"{percentile(values, 95):6.1f} ms   p99 {percentile(values, 99):6.1f} ms   "
            f"max {max(values):6.1f} ms"
        )
    print(
        f"  queries per search: {min(query_counts)}–{max(query_counts)} "
        f"(mean {statistics.mean(query_counts):.1f})"
    )
    print(f"  person searched for ranked first: {first / n:.0%}, in the top five: {top5 / n:.0%}")
    print("  selector p95 by kind of search:")
    for kind in KINDS:
        if by_kind[kind]:
            values = by_kind[kind]
            print(f"    {kind:<36} n={len(values):3d}  p95 {percentile(values, 95):6.1f} ms")


def describe_machine() -> None:
    from django.db import connection

    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(
        f"Machine: {cpu}, {os.cpu_count()} CPUs; Python {platform.python_version()}; "
        f"PostgreSQL {version}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=300_000)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument(
        "--refill",
        action="store_true",
        help="empty the index and fill it again (a smaller index than --people is always refilled)",
    )
    args = parser.parse_args()

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from openmash.people.models import Person

    call_command("migrate", verbosity=0)
    describe_machine()
    held = Person.unscoped.count()
    if args.refill or 0 < held < args.people:
        print(f"Emptying the person index ({held:,} people)")
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE people_address, people_personname, people_relationship, "
                "people_person CASCADE"
            )
    if not Person.unscoped.exists():
        print(f"Filling the person index with {args.people:,} people")
        fill(args.people, args.batch)
    held = Person.unscoped.count()
    print(f"Person index: {held:,} people, searching {args.searches} times")
    run_searches(args.searches)


if __name__ == "__main__":
    main()
