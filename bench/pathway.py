#!/usr/bin/env python
"""Benchmark the front-door pathway pages on a large authority's ten years of data (PostgreSQL).

Fills the database named by ``DATABASE_URL`` (default
``postgres://postgres@127.0.0.1:5432/openmash_bench``, created and migrated if needed) with:

* ``--people`` people in the person index (default 300,000; an index already there — e.g. from
  ``bench/person_search.py`` — is reused and only topped up), with names, match keys, addresses;
* ``--contacts`` contacts over ten years (default 1,000,000; about 275 a day, fewer at weekends),
  each with its children and adults linked to the person index, concerns, screening and a
  decision; about 15% went to a MASH enquiry with one information request per agency, every
  agency's response, the social worker's analysis and the decision;
* a live workload relative to *now*, rebuilt on every run: a few hundred contacts in each open
  state (to record, to screen, enquiries waiting for agencies, awaiting analysis, awaiting
  decision, decided today), some Red or at immediate risk, some overdue, requests outstanding for
  each agency — and one busy contact (eight people, six concerns, every agency asked).

Rows are written with PostgreSQL ``COPY`` (psycopg 3) one month per transaction, newest month
first, so an interrupted fill resumes where it stopped and a fill cut short by ``--fill-minutes``
still holds the most recent years. Bulk writes bypass the services, so there is no history,
audit chain or Record of Sharing for the historical rows (no measured page reads them).

Then it measures each page through Django's test client (full middleware stack, signed-in users
of the right roles with an MFA authenticator), ``--samples`` times after ``--warmup`` requests:
p50/p95 server time, queries per page, and throughput over ``--seconds`` seconds, as a ratio to
a minimal view (one query and a tiny template, ``bench/pathway_urls.py``) measured in the same
run. Targets (issue 3): every page p95 < 150 ms and >= 0.3 of the minimal view's throughput;
person search p95 < 100 ms.

    .venv/bin/python bench/pathway.py                       # fill if needed, then measure
    .venv/bin/python bench/pathway.py --fill-minutes 25     # stop filling after 25 minutes
    .venv/bin/python bench/pathway.py --no-fill --explain   # re-measure; plans of slow queries
    .venv/bin/python bench/pathway.py --no-fill --keep-live --only "contact page,search"
    .venv/bin/python bench/pathway.py --contacts 100000 --people 50000 --refill
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
import uuid
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from operator import itemgetter
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/openmash_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")

SEED = 20261125
LONDON = ZoneInfo("Europe/London")
META_TABLE = "bench_pathway_fill"
HISTORY_DAYS = 3653  # ten years
#: Contacts at weekends and on bank holidays, relative to a working day.
QUIET_DAY_WEIGHT = 0.3
#: Yearly growth in contacts (a decade ago an authority received fewer).
YEARLY_GROWTH = 1.04
#: Share of contacts that went to a MASH enquiry (the issue: ~15%).
ENQUIRY_SHARE_BY_RAG = {"red": 0.40, "amber": 0.20, "green": 0.06}

#: The live workload rebuilt on every run (contacts per state).
LIVE = {
    "submitted": 300,
    "recorded": 400,
    "enquiry_open": 400,
    "enquiry_ready": 300,
    "analysed": 300,
    "decided": 250,
}


# -- database, meta data and machine -----------------------------------------------------------


def ensure_database(url: str) -> None:
    """Create the benchmark database if it does not exist (PostgreSQL only)."""
    import environ
    import psycopg

    config = environ.Env.db_url_config(url)
    if not config["ENGINE"].endswith("postgresql"):
        sys.exit("The pathway benchmark needs PostgreSQL (set DATABASE_URL).")
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


def meta_get() -> dict[str, str]:
    """What was filled (contacts asked for, where history ends), kept in a bench-only table so a
    later run knows whether the fill is complete without guessing from row counts."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key text PRIMARY KEY, value text)"
        )
        cursor.execute(f"SELECT key, value FROM {META_TABLE}")  # noqa: S608 (a constant)
        return dict(cursor.fetchall())


def meta_set(**values) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for key, value in values.items():
            cursor.execute(
                f"INSERT INTO {META_TABLE} (key, value) VALUES (%s, %s) "  # noqa: S608 (constant)
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                [key, str(value)],
            )


def machine() -> list[str]:
    import django
    from django.db import connection

    cpu = platform.processor() or "unknown CPU"
    memory = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    return [
        f"Machine: {cpu}; {os.cpu_count()} cores; {memory} RAM; {platform.system()} "
        f"{platform.release()}",
        f"PostgreSQL {version} (shared_buffers {shared_buffers}, same machine; database {size}); "
        f"Python {platform.python_version()}; Django {django.get_version()}",
    ]


# -- staff --------------------------------------------------------------------------------------


@dataclass
class Staff:
    """Bench users: the four who sign in to measure, and the staff named on historical rows."""

    rio: object
    pm: object
    sw: object
    police: object
    recorders: list = field(default_factory=list)
    managers: list = field(default_factory=list)
    social_workers: list = field(default_factory=list)
    #: agency id -> the partner practitioner who answers its requests
    partners: dict = field(default_factory=dict)


def bench_staff() -> Staff:
    from allauth.mfa.models import Authenticator

    from openmash.accounts.models import Agency, Role, Team, User

    agencies = {a.code: a for a in Agency.objects.all()}
    teams = {t.code: t for t in Team.objects.all()}
    roles = {r.code: r for r in Role.objects.all()}

    def user(username, agency, team, role, first, last):
        person, _ = User.objects.get_or_create(
            username=username,
            defaults={
                "agency": agencies[agency],
                "team": teams.get(team) if team else None,
                "first_name": first,
                "last_name": last,
                "email": f"{username}@bench.openmash.invalid",
            },
        )
        person.roles.set([roles[role]])
        Authenticator.objects.get_or_create(
            user=person,
            type=Authenticator.Type.TOTP,
            defaults={"data": {"secret": "JBSWY3DPEHPK3PXP"}},
        )
        return User.objects.get(pk=person.pk)

    staff = Staff(
        rio=user("bench-rio", "CSC", "SPA", "referral_officer", "Bench", "Officer"),
        pm=user("bench-pm", "CSC", "MASH", "practice_manager", "Bench", "Manager"),
        sw=user("bench-sw", "CSC", "MASH", "mash_social_worker", "Bench", "Worker"),
        police=user("bench-police", "POLICE", None, "partner_practitioner", "Bench", "Police"),
    )
    staff.recorders = [staff.rio] + [
        user(f"bench-rio-{n}", "CSC", "SPA", "referral_officer", "Bench", f"Officer {n}")
        for n in (2, 3, 4)
    ]
    staff.managers = [staff.pm] + [
        user(f"bench-pm-{n}", "CSC", "MASH", "practice_manager", "Bench", f"Manager {n}")
        for n in (2, 3)
    ]
    staff.social_workers = [staff.sw] + [
        user(f"bench-sw-{n}", "CSC", "MASH", "mash_social_worker", "Bench", f"Worker {n}")
        for n in (2, 3)
    ]
    for agency in receiving_agencies():
        if agency.code == "POLICE":
            staff.partners[agency.pk] = staff.police
        else:
            slug = agency.code.lower().replace("_", "-")
            staff.partners[agency.pk] = user(
                f"bench-{slug}", agency.code, None, "partner_practitioner", "Bench", agency.name
            )
    return staff


def receiving_agencies():
    from openmash.accounts.models import Agency

    return list(
        Agency.objects.filter(
            active=True, receives_information_requests=True, is_childrens_social_care=False
        ).order_by("name")
    )


# -- COPY writers -------------------------------------------------------------------------------


class Writer:
    """Rows for one model's table, written with ``COPY``. Columns come from the model, so a
    field added later with a default needs no change here; a required field the generator does
    not fill fails loudly on the first row."""

    def __init__(self, model):
        fields = model._meta.concrete_fields
        self.table = model._meta.db_table
        self.attnames = [f.attname for f in fields]
        self.columns = [f.column for f in fields]
        self.defaults = {}
        for f in fields:
            if f.has_default() and not callable(f.default):
                self.defaults[f.attname] = f.default
            elif not f.has_default() and (f.null or f.empty_strings_allowed):
                self.defaults[f.attname] = None if f.null else ""
        self.row = itemgetter(*self.attnames)
        self.rows: list[tuple] = []
        self.checked = False

    def add(self, **values) -> None:
        if not self.checked:
            unknown = set(values) - set(self.attnames)
            missing = [a for a in self.attnames if a not in values and a not in self.defaults]
            if unknown or missing:
                raise RuntimeError(f"{self.table}: unknown {unknown or '-'}, missing {missing}")
            self.checked = True
        self.rows.append(self.row({**self.defaults, **values}))

    def copy(self, cursor) -> int:
        if not self.rows:
            return 0
        columns = ", ".join(f'"{c}"' for c in self.columns)
        with cursor.copy(f'COPY "{self.table}" ({columns}) FROM STDIN') as copy:
            for row in self.rows:
                copy.write_row(row)
        count = len(self.rows)
        self.rows = []
        return count


def new_id(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def delete_where(cursor, table: str, condition: str, params=(), _seen=None) -> None:
    """Delete rows of ``table`` matching ``condition`` and, first, every row that refers to
    them through a foreign key (found in the catalogue, so tables added by other apps that point
    at contacts are emptied too)."""
    seen = _seen or {table}
    cursor.execute(
        """
        SELECT cl.relname, att.attname
        FROM pg_constraint con
        JOIN pg_class cl ON cl.oid = con.conrelid
        JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = con.conkey[1]
        WHERE con.contype = 'f' AND con.confrelid = %s::regclass
        """,
        [table],
    )
    for ref_table, ref_column in cursor.fetchall():
        if ref_table in seen:
            continue
        delete_where(
            cursor,
            ref_table,
            # Names from the catalogue and conditions written in this file: no user input.
            f'"{ref_column}" IN (SELECT id FROM "{table}" WHERE {condition})',  # noqa: S608
            params,
            seen | {ref_table},
        )
    cursor.execute(f'DELETE FROM "{table}" WHERE {condition}', params)  # noqa: S608


# -- synthetic text -----------------------------------------------------------------------------


NARRATIVE_SENTENCES = [
    "The referrer is worried about the children's home conditions.",
    "Police attended the address following a report of a verbal argument between the adults.",
    "The child told a teacher that there was shouting at home last night and they did not sleep.",
    "School report that attendance has fallen below 80% this term.",
    "The child arrived at school hungry and in unwashed clothing on three days this week.",
    "Mother disclosed that her partner has been controlling and checks her phone.",
    "A neighbour heard a child crying for a long time and an adult shouting.",
    "The health visitor has been unable to see the baby at two planned visits.",
    "The young person was reported missing overnight and returned the next morning.",
    "There are concerns that the young person is associating with older males.",
    "Father is known to have misused alcohol in the past and the referrer believes he is "
    "drinking again.",
    "The child has an unexplained bruise to the upper arm, noticed during PE.",
    "Mother's mental health has deteriorated since the birth of the baby.",
    "The family were evicted last month and are staying with relatives.",
    "The child said that they are scared to go home.",
    "The referrer does not know whether the family are aware of this referral.",
    "No injuries were seen by officers; the children were asleep upstairs.",
    "The young person has self-harmed and disclosed this to the school nurse.",
    "There have been three previous police call-outs to the address this year.",
    "Both parents say they are struggling and would welcome support.",
    "The child has a diagnosed disability and the family's support package has ended.",
    "A sibling previously had a child protection plan for neglect.",
    "The young person was found in possession of a large sum of cash and two phones.",
    "Grandparents are providing much of the day-to-day care.",
]
RATIONALE_SENTENCES = [
    "Needs sit at the threshold level recorded; the parents are engaging.",
    "Cumulative concerns over the last year indicate the child may be suffering significant harm.",
    "Information from partner agencies shows the family are already supported.",
    "The family have consented to early help and there is no indication of significant harm.",
    "History of domestic abuse with the same perpetrator, now back in the household.",
    "The child's voice is clear and consistent; protective factors are limited.",
    "No role for children's social care; universal services can meet the needs identified.",
    "Risk is escalating and a multi-agency strategy discussion is needed today.",
]
ANALYSIS_SENTENCES = [
    "Police hold four domestic incidents at the address in the last twelve months, two graded "
    "medium risk.",
    "Health records show missed immunisations and two A&E attendances for minor injuries.",
    "School describe the child as withdrawn, with attendance at 82%.",
    "Early help closed a previous episode last year with needs met.",
    "The mother has engaged well with her GP and is receiving support for low mood.",
    "There is no information held by probation or adult social care.",
    "The young person's missing episodes have increased in frequency since the summer.",
    "Taken together, the information indicates needs that cannot be met by universal "
    "services alone.",
]
RESPONSE_SUMMARIES = [
    "Known to this agency. Two incidents recorded at the address in the last year; no "
    "current involvement.",
    "Known: the child is registered with a GP practice and attended A&E twice this year.",
    "Known: attendance 84% this academic year; one fixed-term exclusion; the school "
    "describes the child as quiet.",
    "Father is known to this agency for offences of violence; last conviction four years ago.",
    "Mother is open to the community mental health team and is engaging with her care plan.",
    "The family were placed in temporary accommodation after a homelessness application.",
]
RISK_FACTORS = [
    "Repeated domestic incidents; alcohol involved.",
    "Missed health appointments; no engagement with the health visitor.",
    "Association with peers known for county lines activity.",
    "Previous history of neglect in the family.",
    "",
]
PROTECTIVE_FACTORS = [
    "Extended family nearby and supportive.",
    "The child is attending school and has a trusted adult there.",
    "Mother is engaging with services and has sought help herself.",
    "",
]
SYSTEMS_SEARCHED = {
    "POLICE": "Niche RMS, PNC, Athena, domestic abuse database",
    "HEALTH": "SystmOne, EMIS (GP), acute trust PAS, child health information system",
    "EDUCATION": "Capita One, school attendance returns, exclusions database",
    "HOUSING": "Housing register, homelessness case management",
    "EARLY_HELP": "Early help module, family hub records",
}
PROPORTIONALITY = [
    "Shared to help the MASH assess risk to the children named; only information relevant "
    "to the concerns is included.",
    "Information limited to the last two years and to the adults in the household.",
]
CONCERN_DETAIL = [
    "",
    "",
    "Disclosed to a teacher.",
    "Seen by police on attendance.",
    "Reported by the health visitor.",
    "Ongoing for several months.",
]
CONSENT_REASONS = [
    "Seeking consent could place the child at risk of significant harm.",
    "The referrer could not contact the parents before making the referral.",
    "The parents refused consent; the referrer believes the threshold for sharing is met.",
]


def sentences(rng: random.Random, pool: list[str], low: int, high: int) -> str:
    return " ".join(rng.sample(pool, min(len(pool), rng.randint(low, high))))


class Referrers:
    """Synthetic referrers per kind (Faker en_GB, fixed seed; never real people)."""

    ROLES = {
        "police": ("Police constable", "Detective constable", "PPN officer", "Sergeant"),
        "school": ("Designated safeguarding lead", "Head teacher", "Class teacher"),
        "health": ("Health visitor", "GP", "School nurse", "Midwife", "A&E nurse"),
        "la": ("Housing officer", "Adult social worker", "Early help practitioner"),
        "legal": ("Probation officer", "Cafcass officer", "Youth justice worker"),
        "housing": ("Tenancy officer", "Homelessness officer"),
        "other": ("Youth worker", "Charity support worker", "Faith leader"),
        "family": ("",),
        "acquaintance": ("",),
        "self": ("",),
        "anonymous": ("",),
    }
    ORGANISATIONS = {
        "police": ("Kent Police",),
        "school": ("Riverside Primary School", "Castle Academy", "Hilltop School"),
        "health": ("Medway Community Healthcare", "Riverside GP Practice", "Medway Hospital"),
        "la": ("Medway Council", "Kent County Council"),
        "legal": ("Probation Service", "Cafcass", "Youth Offending Service"),
        "housing": ("Medway Housing", "Riverside Homes"),
        "other": ("Youth Project", "Family Support Charity"),
    }
    RELATIONSHIPS = {
        "family": ("Grandmother", "Aunt", "Father (lives elsewhere)", "Uncle"),
        "acquaintance": ("Neighbour", "Family friend", "Childminder"),
        "self": ("Self",),
    }

    def __init__(self, seed: int, per_kind: int = 200):
        from faker import Faker

        fake = Faker("en_GB")
        fake.seed_instance(seed)
        rng = random.Random(seed)
        self.by_kind: dict[str, list[dict]] = {}
        for kind, roles in self.ROLES.items():
            rows = []
            for n in range(per_kind):
                if kind == "anonymous":
                    rows.append({})
                    continue
                first, last = fake.first_name(), fake.last_name()
                row = {
                    "referrer_name": f"{first} {last}",
                    "referrer_role": rng.choice(roles),
                    "referrer_organisation": rng.choice(self.ORGANISATIONS.get(kind, ("",))),
                    "referrer_phone": fake.phone_number(),
                    "referrer_relationship": rng.choice(self.RELATIONSHIPS.get(kind, ("",))),
                }
                if kind not in ("family", "acquaintance", "self") or rng.random() < 0.5:
                    row["referrer_email"] = f"{first}.{last}.{n}@{kind}.example".lower()
                rows.append(row)
            self.by_kind[kind] = rows


# -- people -------------------------------------------------------------------------------------


def people_ensure(target: int, batch: int = 10_000) -> None:
    """Top the person index up to ``target`` people (reusing whoever is there)."""
    from django.db import connection, transaction

    from bench.person_search import Names, postcode
    from openmash.people.codes import NameKind, Sex
    from openmash.people.identifiers import nhs_number_check_digit, synthetic_upn
    from openmash.people.models import Address, Person, PersonName
    from openmash.people.services import name_keys, new_local_id

    held = Person.unscoped.count()
    if held >= target:
        print(f"Person index: {held:,} people (reused)")
        return
    print(f"Person index: {held:,} people; adding {target - held:,}")
    used_nhs = set(Person.unscoped.exclude(nhs_number="").values_list("nhs_number", flat=True))
    used_local = set(Person.unscoped.values_list("local_id", flat=True))
    rng = random.Random(f"{SEED}-people-{held}")
    names = Names()
    today = date.today()

    def nhs_number() -> str:
        while True:
            stem = f"999{rng.randrange(1_000_000):06d}"
            check = nhs_number_check_digit(stem)
            if check is not None and f"{stem}{check}" not in used_nhs:
                used_nhs.add(f"{stem}{check}")
                return f"{stem}{check}"

    people_w, names_w, addresses_w = Writer(Person), Writer(PersonName), Writer(Address)
    made, started = 0, time.perf_counter()
    now = datetime.now(UTC)
    while made < target - held:
        for _ in range(min(batch, target - held - made)):
            pid = new_id(rng)
            sex = rng.choice((Sex.FEMALE.value, Sex.MALE.value))
            child = rng.random() < 0.6
            age_days = rng.randint(0, 18 * 365) if child else rng.randint(18 * 365, 75 * 365)
            born = today - timedelta(days=age_days)
            forename = rng.choice(names.female if sex == Sex.FEMALE.value else names.male)
            middle = rng.choice(names.female + names.male) if rng.random() < 0.4 else ""
            surname = names.surname(rng)
            if rng.random() < 0.03:
                surname = f"{surname}-{names.surname(rng)}"
            local_id = new_local_id(rng)
            while local_id in used_local:
                local_id = new_local_id(rng)
            used_local.add(local_id)
            current_postcode = postcode(rng)
            people_w.add(
                id=pid,
                created_at=now,
                modified_at=now,
                forename=forename,
                middle_names=middle,
                surname=surname,
                date_of_birth=born,
                sex=sex,
                ethnicity="WBRI" if rng.random() < 0.8 else "NOBT",
                nhs_number=nhs_number() if rng.random() < 0.9 else "",
                upn=synthetic_upn(rng) if child and age_days >= 5 * 365 else "",
                local_id=local_id,
                postcode=current_postcode,
            )
            names_w.add(
                id=new_id(rng),
                created_at=now,
                modified_at=now,
                person_id=pid,
                kind=NameKind.CURRENT.value,
                forename=forename,
                surname=surname,
                **name_keys(forename, surname, middle),
            )
            if rng.random() < 0.12:
                other = names.surname(rng)
                names_w.add(
                    id=new_id(rng),
                    created_at=now,
                    modified_at=now,
                    person_id=pid,
                    kind=rng.choice(
                        (NameKind.PREVIOUS.value, NameKind.ALIAS.value, NameKind.BIRTH.value)
                    ),
                    forename=forename,
                    surname=other,
                    **name_keys(forename, other),
                )
            moved_in = today - timedelta(days=rng.randint(30, min(age_days + 30, 4000)))
            addresses_w.add(
                id=new_id(rng),
                created_at=now,
                modified_at=now,
                person_id=pid,
                line1=f"{rng.randint(1, 200)} Bench Road",
                postcode=current_postcode,
                date_from=moved_in,
            )
            made += 1
        with transaction.atomic():
            cursor = connection.connection.cursor()
            for writer in (people_w, names_w, addresses_w):
                writer.copy(cursor)
        rate = made / (time.perf_counter() - started)
        print(f"\r  {held + made:,} people ({rate:,.0f}/s)", end="", flush=True)
    print()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE people_person, people_personname, people_address")


class PersonPool:
    """The person index in memory, sorted by date of birth, to name realistic children and
    adults on contacts: a child on a contact in 2017 was born in the 18 years before it. A
    twelfth of people are 'frequently contacted' and drawn far more often, as in real life."""

    def __init__(self, seed: int):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT p.id, p.forename, p.surname, p.date_of_birth, p.sex, p.postcode,
                       coalesce(a.line1, '')
                FROM people_person p
                LEFT JOIN LATERAL (
                    SELECT line1 FROM people_address
                    WHERE person_id = p.id AND date_to IS NULL LIMIT 1
                ) a ON true
                WHERE p.date_of_birth IS NOT NULL
                ORDER BY p.date_of_birth, p.id
                """
            )
            self.people = cursor.fetchall()
        self.dobs = [row[3].toordinal() for row in self.people]
        rng = random.Random(seed)
        self.frequent = sorted(rng.sample(range(len(self.people)), len(self.people) // 12))
        self.frequent_dobs = [self.dobs[i] for i in self.frequent]

    def pick(self, rng, born_from: date, born_to: date, frequent_share: float = 0.35):
        low, high = born_from.toordinal(), born_to.toordinal()
        if rng.random() < frequent_share:
            lo, hi = bisect_left(self.frequent_dobs, low), bisect_right(self.frequent_dobs, high)
            if hi > lo:
                return self.people[self.frequent[rng.randrange(lo, hi)]]
        lo, hi = bisect_left(self.dobs, low), bisect_right(self.dobs, high)
        return self.people[rng.randrange(lo, hi)] if hi > lo else None


# -- contacts -----------------------------------------------------------------------------------

#: CIN referral source, relative weight (roughly the national shares), kind of referrer.
SOURCES = [
    ("6", 29, "police"),
    ("2A", 18, "school"),
    ("2B", 2, "school"),
    ("3A", 3, "health"),
    ("3B", 3, "health"),
    ("3C", 1, "health"),
    ("3D", 2, "health"),
    ("3E", 3, "health"),
    ("3F", 3, "health"),
    ("4", 2, "housing"),
    ("5A", 3, "la"),
    ("5B", 2, "la"),
    ("5C", 2, "la"),
    ("5D", 2, "la"),
    ("7", 4, "legal"),
    ("1A", 5, "family"),
    ("1B", 2, "acquaintance"),
    ("1C", 1, "self"),
    ("1D", 1, "family"),
    ("8", 4, "other"),
    ("9", 3, "anonymous"),
    ("10", 1, "other"),
]
PUBLIC_KINDS = {"family", "acquaintance", "self", "anonymous"}
CONCERN_WEIGHTS = {
    "domestic_abuse": 25,
    "neglect": 18,
    "emotional_abuse": 12,
    "parental_mental_health": 10,
    "substance_misuse": 8,
    "physical_abuse": 8,
    "sexual_abuse": 4,
    "self_harm": 3,
    "other": 3,
    "cse": 2,
    "cce": 2,
    "missing": 2,
    "disability": 2,
    "housing": 2,
    "education": 2,
    "fgm": 0.3,
}
#: Screening routes other than a MASH enquiry, by RAG rating.
ROUTES_BY_RAG = {
    "red": (("strategy", 40), ("assessment", 40), ("already_open", 20)),
    "amber": (
        ("assessment", 30),
        ("early_help", 40),
        ("already_open", 15),
        ("signpost", 10),
        ("nfa", 5),
    ),
    "green": (("nfa", 35), ("signpost", 35), ("early_help", 25), ("already_open", 5)),
}
ROUTE_THRESHOLD = {
    "strategy": ("cin_cp",),
    "assessment": ("cin_cp",),
    "already_open": ("cin_cp",),
    "early_help": ("early_help_2", "early_help_3"),
    "signpost": ("universal", "early_help_2"),
    "nfa": ("universal",),
}
ENQUIRY_THRESHOLD = {
    "red": ("cin_cp",),
    "amber": ("early_help_3", "cin_cp"),
    "green": ("early_help_2", "early_help_3"),
}
ENQUIRY_OUTCOMES = {
    "red": (("strategy_s47", 45), ("assessment_s17", 40), ("open_case", 10), ("early_help_3", 5)),
    "amber": (
        ("assessment_s17", 35),
        ("early_help_3", 25),
        ("early_help_2", 10),
        ("single_agency", 10),
        ("strategy_s47", 8),
        ("signpost", 6),
        ("nfa", 6),
    ),
    "green": (
        ("early_help_2", 30),
        ("signpost", 25),
        ("nfa", 20),
        ("single_agency", 15),
        ("early_help_3", 10),
    ),
}
OUTCOME_TEAM = {
    "early_help_2": ("EARLY_HELP",),
    "early_help_3": ("EARLY_HELP",),
    "assessment_s17": ("ASSESSMENT", "FIRST_RESPONSE"),
    "strategy_s47": ("ASSESSMENT", "FIRST_RESPONSE"),
    "open_case": ("AREA_NORTH", "AREA_SOUTH", "SEND_0_25", "MISSING_EXPLOITATION"),
}
PARENT_RELATIONSHIP = {
    "F": ("Mother",),
    "M": ("Father", "Father", "Stepfather", "Mother's partner"),
}
HOUSEHOLD_RELATIONSHIP = ("Grandmother", "Uncle", "Lodger", "Adult sibling", "Mother's partner")

STAGES = ("submitted", "recorded", "enquiry_open", "enquiry_ready", "analysed", "decided")


_WEIGHTED: dict[int, tuple] = {}


def weighted(rng: random.Random, pairs):
    """One of ``(value, weight)`` pairs, as ``rng.choices`` would pick it (same stream), with
    the cumulative weights of each constant table computed once: the fill calls this millions
    of times."""
    entry = _WEIGHTED.get(id(pairs))
    if entry is None or entry[0] is not pairs:
        values, weights = zip(*pairs, strict=True)
        cumulative = list(accumulate(weights))
        entry = _WEIGHTED[id(pairs)] = (pairs, values, cumulative, cumulative[-1])
    _pairs, values, cumulative, total = entry
    return values[bisect_right(cumulative, rng.random() * total, 0, len(values) - 1)]


class ContactBuilder:
    """Builds the rows of one contact — the contact, its people, concerns, and whatever its
    stage implies (enquiry, requests and responses, analysis, decision) — into COPY writers.

    Historical contacts follow the working-time calendar (screened within a working day mostly,
    Red requests answered within four working hours mostly, some late). Live contacts are
    placed between their receipt and a given end (now, or when they were decided today)."""

    def __init__(self, staff: Staff, people: PersonPool, texts_seed: int):
        from openmash.accounts.models import Team
        from openmash.contacts.codes import Concern, default_question, suggested_agency_codes
        from openmash.contacts.models import Contact, ContactConcern, ContactPerson
        from openmash.decisions.codes import OUTCOME_REPORTING, outcome_for_screening
        from openmash.decisions.models import Analysis, Decision
        from openmash.enquiries.models import InformationRequest, MashEnquiry
        from openmash.timescales.calendar import decision_due, red_information_request_due
        from openmash.timescales.services import current_calendar

        # Looked up once: ``contact`` runs a million times.
        self.concern_label = {c.value: c.label for c in Concern}
        self.default_question = default_question
        self.suggested_agency_codes = suggested_agency_codes
        self.outcome_reporting = OUTCOME_REPORTING
        self.outcome_for_screening = outcome_for_screening
        self.decision_due = decision_due
        self.red_information_request_due = red_information_request_due
        self.staff = staff
        self.people = people
        self.calendar = current_calendar()
        self.referrers = Referrers(texts_seed)
        self.agencies = {a.code: a for a in receiving_agencies()}
        self.teams = {t.code: t.pk for t in Team.objects.filter(receives_handovers=True)}
        self.writers = {
            "contact": Writer(Contact),
            "person": Writer(ContactPerson),
            "concern": Writer(ContactConcern),
            "enquiry": Writer(MashEnquiry),
            "request": Writer(InformationRequest),
            "analysis": Writer(Analysis),
            "decision": Writer(Decision),
        }
        self.source_pairs = [((code, kind), w) for code, w, kind in SOURCES]
        self.concern_pairs = list(CONCERN_WEIGHTS.items())

    def copy(self) -> dict[str, int]:
        from django.db import connection

        cursor = connection.connection.cursor()
        return {name: writer.copy(cursor) for name, writer in self.writers.items()}

    # -- pieces ------------------------------------------------------------------------------

    def _channel(self, rng, kind: str, received: datetime) -> str:
        if kind == "police":
            channel = weighted(
                rng, (("police_notification", 70), ("secure_email", 20), ("phone", 10))
            )
        elif kind in PUBLIC_KINDS:
            channel = weighted(rng, (("public_portal", 40), ("phone", 60)))
        else:
            channel = weighted(
                rng, (("professional_portal", 50), ("secure_email", 25), ("phone", 25))
            )
        if channel == "phone" and self.calendar.next_working_instant(received) != received:
            channel = "out_of_hours"
        return channel

    def _concerns(self, rng, count: int) -> list[str]:
        chosen: list[str] = []
        while len(chosen) < count:
            concern = weighted(rng, self.concern_pairs)
            if concern not in chosen:
                chosen.append(concern)
        return chosen

    def _people(self, rng, contact_id, received, created, actor, link_share, shape, frequent):
        """Children, parents/carers and household members, mostly linked to the index."""
        writer = self.writers["person"]
        day = received.astimezone(LONDON).date()
        children, parents, household, others = shape
        chosen: set = set()
        mother_surname = ""

        def add(person, role, relationship):
            if person is None or person[0] in chosen:
                return None
            chosen.add(person[0])
            writer.add(
                id=new_id(rng),
                created_at=created,
                modified_at=created,
                created_by_id=actor,
                modified_by_id=actor,
                contact_id=contact_id,
                person_id=person[0] if rng.random() < link_share else None,
                role=role,
                forename=person[1],
                surname=person[2],
                date_of_birth=person[3],
                sex=person[4],
                address=person[6],
                postcode=person[5],
                relationship_to_child=relationship,
                possible_duplicate=rng.random() < 0.005,
            )
            return person

        share = 1.0 if frequent else 0.35
        for _ in range(children):
            add(
                self.people.pick(rng, day - timedelta(days=6530), day, share),
                "subject_child",
                "",
            )
        for _ in range(parents):
            person = self.people.pick(
                rng, day - timedelta(days=55 * 365), day - timedelta(days=17 * 365), share
            )
            if person is not None:
                relationship = rng.choice(PARENT_RELATIONSHIP.get(person[4], ("Carer",)))
                if add(person, "parent_carer", relationship) and person[4] == "F":
                    mother_surname = person[2]
        for _ in range(household):
            person = self.people.pick(
                rng, day - timedelta(days=80 * 365), day - timedelta(days=16 * 365), share
            )
            add(person, "household_member", rng.choice(HOUSEHOLD_RELATIONSHIP))
        for _ in range(others):
            person = self.people.pick(
                rng, day - timedelta(days=70 * 365), day - timedelta(days=18 * 365), share
            )
            add(person, "other", "Grandfather (lives elsewhere)")
        if not frequent and rng.random() < 0.02:  # an unborn child, not yet in the index
            writer.add(
                id=new_id(rng),
                created_at=created,
                modified_at=created,
                created_by_id=actor,
                modified_by_id=actor,
                contact_id=contact_id,
                person_id=None,
                role="subject_child",
                forename="Unborn",
                surname=mother_surname or "Baby",
                date_of_birth=None,
                expected_delivery_date=day + timedelta(days=rng.randint(20, 200)),
                sex="U",
                relationship_to_child="",
            )

    # -- one contact -------------------------------------------------------------------------

    def contact(
        self,
        rng: random.Random,
        *,
        received: datetime,
        reference: str,
        stage: str,
        end: datetime | None = None,
        busy: bool = False,
    ) -> uuid.UUID:
        """Add one contact at ``stage``. Historical contacts (``end`` None) are timed by the
        working calendar; live ones are placed between ``received`` and ``end``."""
        cal, staff = self.calendar, self.staff
        live = end is not None
        contact_id = new_id(rng)
        level = STAGES.index(stage)
        source, kind = weighted(rng, self.source_pairs)
        channel = self._channel(rng, kind, received)
        if stage == "submitted":
            channel = "public_portal" if kind in PUBLIC_KINDS else "professional_portal"
        online = channel in ("public_portal", "professional_portal")
        referrer = rng.choice(self.referrers.by_kind[kind])
        consent = weighted(rng, (("given", 60), ("not_sought", 28), ("refused", 12)))
        immediate_risk = busy or rng.random() < (0.06 if live else 0.04)
        rag = "red" if immediate_risk else weighted(rng, (("red", 8), ("amber", 47), ("green", 45)))
        due = self.decision_due(cal, received)
        recorder = rng.choice(staff.recorders)
        manager = rng.choice(staff.managers)
        worker = rng.choice(staff.social_workers)
        concerns = (
            ["domestic_abuse", "neglect", "emotional_abuse", "substance_misuse", "cce", "housing"]
            if busy
            else self._concerns(rng, weighted(rng, ((1, 50), (2, 30), (3, 15), (4, 5))))
        )
        screened = level >= STAGES.index("enquiry_open") or stage == "decided"
        enquiry = level in (2, 3, 4) or (
            stage == "decided" and (busy or rng.random() < ENQUIRY_SHARE_BY_RAG[rag])
        )
        agencies = []
        if enquiry:
            codes = self.suggested_agency_codes(concerns)
            if rng.random() < 0.2:
                codes.append("EARLY_HELP")
            agencies = (
                list(self.agencies.values())
                if busy
                else [self.agencies[c] for c in dict.fromkeys(codes) if c in self.agencies]
            )

        # -- when things happened ------------------------------------------------------------
        recorded_at = screened_at = ready_at = analysed_at = decided_at = None
        responded: list[datetime | None] = []
        if not live:
            recorded_at = (
                cal.add_working_minutes(received, rng.randint(5, 180))
                if online
                else received + timedelta(minutes=rng.randint(3, 40))
            )
            delay = rng.randint(420, 900) if rng.random() < 0.12 else rng.randint(10, 300)
            screened_at = cal.add_working_minutes(recorded_at, delay)
            decided_at = screened_at
            if enquiry:
                red = rag == "red"
                for _ in agencies:
                    minutes = rng.randint(20, 230) if red else rng.randint(30, 400)
                    if rng.random() < 0.1:
                        minutes += rng.randint(60, 600)
                    responded.append(cal.add_working_minutes(screened_at, minutes))
                ready_at = max(responded)
                analysed_at = cal.add_working_minutes(ready_at, rng.randint(15, 240))
                decided_at = cal.add_working_minutes(analysed_at, rng.randint(10, 180))
        else:
            points = sorted(received + (end - received) * rng.random() for _ in range(4))
            if stage != "submitted":
                recorded_at = (
                    points[0] if online else received + min(timedelta(minutes=10), end - received)
                )
            if screened:
                screened_at = points[1]
            if enquiry:
                until = end if stage == "enquiry_open" else points[2]
                for _ in agencies:
                    responded.append(screened_at + (until - screened_at) * rng.random())
                if stage == "enquiry_open":
                    responded = [t if rng.random() < 0.45 else None for t in responded]
                    if all(responded):
                        responded[rng.randrange(len(responded))] = None
                else:
                    responded[rng.randrange(len(responded))] = points[2]
                    ready_at = points[2]
                if level >= STAGES.index("analysed"):
                    analysed_at = points[3]
            if stage == "decided":
                decided_at = end
                if not enquiry:
                    screened_at = end

        # -- the contact ---------------------------------------------------------------------
        route = threshold = ""
        outcome = None
        if screened:
            if enquiry:
                route = "mash_enquiry"
                threshold = rng.choice(ENQUIRY_THRESHOLD[rag])
            else:
                route = weighted(rng, ROUTES_BY_RAG[rag])
                threshold = rng.choice(ROUTE_THRESHOLD[route])
                outcome = str(self.outcome_for_screening(route, threshold))
        if stage == "decided" and enquiry:
            outcome = "strategy_s47" if busy else weighted(rng, ENQUIRY_OUTCOMES[rag])
        version = (
            1 + (online and recorded_at is not None) + int(screened) + (analysed_at is not None)
        )
        version += stage == "decided" and enquiry
        last = max(t for t in (received, recorded_at, screened_at, analysed_at, decided_at) if t)
        created = received if online else (recorded_at or received)
        actor_created = None if online else recorder.pk
        status = {
            "submitted": "submitted",
            "recorded": "recorded",
            "enquiry_open": "enquiry",
            "enquiry_ready": "enquiry",
            "analysed": "analysed",
            "decided": "decided",
        }[stage]
        self.writers["contact"].add(
            id=contact_id,
            created_at=created,
            modified_at=last,
            created_by_id=actor_created,
            modified_by_id=(manager.pk if screened else actor_created),
            reference=reference,
            status=status,
            version=version,
            channel=channel,
            received_at=received,
            clock_started_at=cal.next_working_instant(received),
            decision_due_at=due,
            source=source,
            narrative=sentences(rng, NARRATIVE_SENTENCES, 3, 9),
            consent_status=consent,
            consent_reason=rng.choice(CONSENT_REASONS) if consent != "given" else "",
            immediate_risk=immediate_risk,
            recorded_at=recorded_at,
            recorded_by_id=recorder.pk if recorded_at else None,
            screened_at=screened_at,
            screened_by_id=manager.pk if screened else None,
            rag=rag if screened else "",
            threshold_level=threshold,
            route=route,
            screening_rationale=sentences(rng, RATIONALE_SENTENCES, 1, 3) if screened else "",
            decided_at=decided_at if stage == "decided" else None,
            idempotency_key=None,
            **referrer,
        )
        shape = (
            (4, 2, 1, 1)
            if busy
            else (
                weighted(rng, ((1, 55), (2, 25), (3, 12), (4, 6), (5, 2))),
                weighted(rng, ((0, 12), (1, 53), (2, 35))),
                rng.random() < 0.12,
                rng.random() < 0.05,
            )
        )
        # Online submissions are linked to the index when an officer records them.
        link_share = {"submitted": 0.0, "recorded": 0.85}.get(stage, 0.92)
        self._people(
            rng,
            contact_id,
            received,
            created,
            actor_created,
            1.0 if busy else link_share,
            shape,
            busy,
        )
        for concern in concerns:
            self.writers["concern"].add(
                id=new_id(rng),
                created_at=created,
                modified_at=created,
                created_by_id=actor_created,
                modified_by_id=actor_created,
                contact_id=contact_id,
                category=concern,
                detail=rng.choice(CONCERN_DETAIL),
            )

        # -- enquiry, requests and responses ---------------------------------------------------
        if enquiry:
            enquiry_id = new_id(rng)
            red_due = self.red_information_request_due(cal, screened_at)
            request_due = red_due if rag == "red" else max(due, red_due)
            question = self.default_question([self.concern_label[c] for c in concerns])
            enquiry_status = (
                "open" if stage == "enquiry_open" else "ready" if ready_at else "analysed"
            )
            if analysed_at is not None:
                enquiry_status = "analysed"
            self.writers["enquiry"].add(
                id=enquiry_id,
                created_at=screened_at,
                modified_at=analysed_at or ready_at or screened_at,
                created_by_id=manager.pk,
                modified_by_id=manager.pk,
                contact_id=contact_id,
                status=enquiry_status,
                opened_at=screened_at,
                opened_by_id=manager.pk,
                responses_due_at=request_due,
                ready_at=ready_at,
                immediate_risk=immediate_risk,
                version=1 + (ready_at is not None) + (analysed_at is not None),
            )
            for agency, answered in zip(agencies, responded, strict=True):
                partner = staff.partners[agency.pk]
                outcome_code = (
                    weighted(rng, (("known", 45), ("not_known", 40), ("nil_return", 15)))
                    if answered
                    else ""
                )
                known = outcome_code == "known"
                self.writers["request"].add(
                    id=new_id(rng),
                    created_at=screened_at,
                    modified_at=answered or screened_at,
                    created_by_id=manager.pk,
                    modified_by_id=(partner.pk if answered else manager.pk),
                    enquiry_id=enquiry_id,
                    agency_id=agency.pk,
                    question=question,
                    status="responded" if answered else "requested",
                    requested_at=screened_at,
                    requested_by_id=manager.pk,
                    due_at=request_due,
                    immediate_risk=immediate_risk,
                    responded_at=answered,
                    responded_by_id=partner.pk if answered else None,
                    outcome=outcome_code,
                    summary=(
                        rng.choice(RESPONSE_SUMMARIES)
                        if known
                        else "No records held for the children or adults named."
                        if answered
                        else ""
                    ),
                    risk_factors=rng.choice(RISK_FACTORS) if known else "",
                    protective_factors=rng.choice(PROTECTIVE_FACTORS) if known else "",
                    systems_searched=(
                        SYSTEMS_SEARCHED.get(agency.code, "Agency case management system")
                        if answered
                        else ""
                    ),
                    proportionality_note=rng.choice(PROPORTIONALITY) if known else "",
                    version=2 if answered else 1,
                )

        # -- analysis and decision ---------------------------------------------------------------
        if analysed_at is not None:
            recommendation = (
                outcome if outcome and rng.random() < 0.9 else weighted(rng, ENQUIRY_OUTCOMES[rag])
            )
            self.writers["analysis"].add(
                id=new_id(rng),
                created_at=analysed_at,
                modified_at=analysed_at,
                created_by_id=worker.pk,
                modified_by_id=worker.pk,
                contact_id=contact_id,
                analysis=sentences(rng, ANALYSIS_SENTENCES, 3, 6),
                recommendation=recommendation,
                recommendation_rationale=sentences(rng, RATIONALE_SENTENCES, 1, 2),
                analysed_at=analysed_at,
                analysed_by_id=worker.pk,
            )
        if stage == "decided":
            reporting = self.outcome_reporting[outcome]
            team = None
            if reporting.hands_over:
                options = [self.teams[c] for c in OUTCOME_TEAM[outcome] if c in self.teams]
                team = rng.choice(options) if options else None
            emailed = bool(referrer.get("referrer_email"))
            self.writers["decision"].add(
                id=new_id(rng),
                created_at=decided_at,
                modified_at=decided_at,
                created_by_id=manager.pk,
                modified_by_id=manager.pk,
                contact_id=contact_id,
                outcome=outcome,
                rationale=sentences(rng, RATIONALE_SENTENCES, 1, 3),
                receiving_team_id=team,
                is_referral=reporting.is_referral,
                decided_at=decided_at,
                decided_by_id=manager.pk,
                handed_over_at=decided_at if team else None,
                feedback_sent_at=decided_at if emailed else None,
                feedback_status="sent" if emailed else "no_email",
            )
        return contact_id


# -- history ------------------------------------------------------------------------------------


@dataclass
class Month:
    key: str  # "2019-04"
    start: datetime  # UTC bounds of the local month (only the days of the history within it)
    end: datetime
    days: list[tuple[date, int, int]]  # (day, contacts, first reference number in its year)

    @property
    def contacts(self) -> int:
        return sum(count for _day, count, _first in self.days)


def history_plan(total: int, history_end: date) -> list[Month]:
    """How many contacts arrive on each day of the ten years, and their reference numbers.

    Deterministic (no randomness), so a resumed fill gives every month the same contacts and
    references: working days weigh 1, weekends and bank holidays 0.3, growing 4% a year."""
    from openmash.timescales.services import current_calendar

    calendar = current_calendar()
    first = history_end - timedelta(days=HISTORY_DAYS)
    days = [first + timedelta(days=n) for n in range(HISTORY_DAYS)]
    weights = [
        (1.0 if calendar.is_working_day(d) else QUIET_DAY_WEIGHT)
        * YEARLY_GROWTH ** ((d - first).days / 365.25)
        for d in days
    ]
    scale = total / sum(weights)
    months: dict[str, Month] = {}
    running = 0.0
    assigned = 0
    per_year: dict[int, int] = defaultdict(int)
    for day, weight in zip(days, weights, strict=True):
        running += weight * scale
        count = round(running) - assigned
        assigned += count
        key = f"{day.year}-{day.month:02d}"
        if key not in months:
            months[key] = Month(key, local_midnight(day), local_midnight(day), [])
        month = months[key]
        month.days.append((day, count, per_year[day.year] + 1))
        month.end = local_midnight(day + timedelta(days=1))
        per_year[day.year] += count
    return list(months.values())


def local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=LONDON).astimezone(UTC)


def arrival_times(rng: random.Random, day: date, count: int, working: bool) -> list[datetime]:
    """Arrival times on ``day`` (London): on working days most arrive in office hours."""
    times = []
    for _ in range(count):
        if working and rng.random() < 0.85:
            minute = rng.randint(8 * 60 + 30, 17 * 60 + 15)
        else:
            minute = rng.randrange(24 * 60)
        local = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=LONDON)
        times.append((local + timedelta(seconds=rng.randrange(60))).astimezone(UTC))
    return sorted(times)


def history_fill(builder: ContactBuilder, months: list[Month], deadline: float | None):
    """Fill every month not yet complete, newest first. Returns (complete, contacts written):
    not complete if stopped by ``deadline``."""
    from django.db import connection, transaction

    started = time.perf_counter()
    done = made = 0
    todo = []
    with connection.cursor() as cursor:
        for month in months:
            cursor.execute(
                "SELECT count(*) FROM contacts_contact "
                "WHERE received_at >= %s AND received_at < %s",
                [month.start, month.end],
            )
            held = cursor.fetchone()[0]
            if held == month.contacts:
                done += 1
                continue
            todo.append((month, held))
    if not todo:
        return True, 0
    print(f"History: {done} of {len(months)} months complete; filling {len(todo)}")
    for n, (month, held) in enumerate(reversed(todo), 1):
        if deadline is not None and time.perf_counter() > deadline:
            print(f"\n  stopped by --fill-minutes after {n - 1} months")
            return False, made
        rng = random.Random(f"{SEED}-{month.key}")
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
                # Foreign-key triggers off for the bulk load (the generator makes the keys
                # itself; ``keys_check`` verifies them afterwards): checking each key row by
                # row at commit costs more than writing the rows.
                cursor.execute("SET LOCAL session_replication_role = replica")
                if held:
                    delete_where(
                        cursor,
                        "contacts_contact",
                        "received_at >= %s AND received_at < %s",
                        [month.start, month.end],
                    )
            for day, count, first_number in month.days:
                working = builder.calendar.is_working_day(day)
                for i, received in enumerate(arrival_times(rng, day, count, working)):
                    builder.contact(
                        rng,
                        received=received,
                        reference=f"C{day.year % 100:02d}-{first_number + i:06d}",
                        stage="decided",
                    )
            builder.copy()
        made += month.contacts
        rate = made / (time.perf_counter() - started)
        print(
            f"\r  {month.key}: {n}/{len(todo)} months, {made:,} contacts ({rate:,.0f}/s)",
            end="",
            flush=True,
        )
    print()
    return True, made


PATHWAY_TABLES = (
    "contacts_contact",
    "contacts_contactperson",
    "contacts_contactconcern",
    "enquiries_mashenquiry",
    "enquiries_informationrequest",
    "decisions_analysis",
    "decisions_decision",
)


def keys_check() -> None:
    """Every foreign key of the pathway tables points at a row (the fill wrote them with the
    key triggers off, so this is where a generator bug would show)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in PATHWAY_TABLES:
            cursor.execute(
                """
                SELECT att.attname, ref.relname, ref_att.attname
                FROM pg_constraint con
                JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = con.conkey[1]
                JOIN pg_class ref ON ref.oid = con.confrelid
                JOIN pg_attribute ref_att
                  ON ref_att.attrelid = con.confrelid AND ref_att.attnum = con.confkey[1]
                WHERE con.contype = 'f' AND con.conrelid = %s::regclass
                """,
                [table],
            )
            for column, ref_table, ref_column in cursor.fetchall():
                # Names from the catalogue: no user input.
                cursor.execute(
                    f'SELECT count(*) FROM "{table}" t WHERE t."{column}" IS NOT NULL '  # noqa: S608
                    f'AND NOT EXISTS (SELECT 1 FROM "{ref_table}" r '
                    f'WHERE r."{ref_column}" = t."{column}")'
                )
                dangling = cursor.fetchone()[0]
                if dangling:
                    sys.exit(f"{table}.{column}: {dangling} rows point at no {ref_table} row")
    print("Keys checked: every foreign key of the pathway tables points at a row")


def references_bump(months: list[Month]) -> None:
    """Move each year's reference counter past the references the fill used, so contacts
    recorded through the application afterwards get new, unique references."""
    from openmash.contacts.models import ReferenceCounter

    last: dict[int, int] = {}
    for month in months:
        for day, count, first in month.days:
            last[day.year] = max(last.get(day.year, 0), first + count - 1)
    for year, value in last.items():
        counter, _ = ReferenceCounter.objects.get_or_create(year=year)
        if counter.last_value < value:
            counter.last_value = value
            counter.save(update_fields=["last_value"])


# -- the live workload --------------------------------------------------------------------------


def live_refresh(builder: ContactBuilder, history_end: datetime, now: datetime):
    """Replace the live workload (everything received after the history) with a fresh one
    relative to ``now``; return the busy contact's id."""
    from django.db import connection, transaction

    from openmash.contacts.models import ReferenceCounter

    rng = random.Random(f"{SEED}-live-{now.isoformat()}")
    local_now = now.astimezone(LONDON)
    today_start = datetime.combine(local_now.date(), datetime.min.time(), tzinfo=LONDON)
    with transaction.atomic():
        with connection.cursor() as cursor:
            delete_where(cursor, "contacts_contact", "received_at > %s", [history_end])
        total = sum(LIVE.values()) + 1
        counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(year=now.year)
        first = counter.last_value + 1
        counter.last_value += total
        counter.save(update_fields=["last_value"])
        numbers = iter(range(first, first + total))

        def reference():
            return f"C{now.year % 100:02d}-{next(numbers):06d}"

        for stage, count in LIVE.items():
            for _ in range(count):
                if stage == "decided":
                    earliest = max(today_start, local_now - timedelta(hours=10))
                    end = earliest + (local_now - timedelta(minutes=1) - earliest) * rng.random()
                    received = end - timedelta(hours=rng.uniform(1, 48))
                else:
                    end = now
                    hours = rng.uniform(0.2, 20) if rng.random() < 0.7 else rng.uniform(20, 70)
                    if stage != "submitted" and stage != "recorded":
                        hours = rng.uniform(2, 70)
                    received = now - timedelta(hours=hours)
                builder.contact(
                    rng,
                    received=received.astimezone(UTC),
                    reference=reference(),
                    stage=stage,
                    end=end.astimezone(UTC),
                )
        busy = builder.contact(
            rng,
            received=now - timedelta(hours=7),
            reference=reference(),
            stage="decided",
            end=now - timedelta(minutes=5),
            busy=True,
        )
        builder.copy()
    with connection.cursor() as cursor:
        for table in ("contacts_contact", "enquiries_mashenquiry", "enquiries_informationrequest"):
            cursor.execute(f"ANALYZE {table}")
    return busy


# -- what is in the database --------------------------------------------------------------------


def sizes(history_end: datetime, now: datetime) -> list[str]:
    from django.db import connection

    from openmash.decisions.selectors import london_day_bounds

    start, end = london_day_bounds(now)
    counts = {}
    with connection.cursor() as cursor:
        for label, table in (
            ("people", "people_person"),
            ("person names", "people_personname"),
            ("addresses", "people_address"),
            ("contacts", "contacts_contact"),
            ("people on contacts", "contacts_contactperson"),
            ("concerns", "contacts_contactconcern"),
            ("MASH enquiries", "enquiries_mashenquiry"),
            ("information requests", "enquiries_informationrequest"),
            ("analyses", "decisions_analysis"),
            ("decisions", "decisions_decision"),
        ):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (constant names)
            counts[label] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT min(received_at), max(received_at) FROM contacts_contact "
            "WHERE received_at <= %s",
            [history_end],
        )
        first, last = cursor.fetchone()
        cursor.execute(
            """
            SELECT status, count(*), count(*) FILTER (WHERE decision_due_at < %s),
                   count(*) FILTER (WHERE rag = 'red' OR immediate_risk)
            FROM contacts_contact WHERE status <> 'decided' GROUP BY status
            """,
            [now],
        )
        open_states = {row[0]: row[1:] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT count(*) FROM contacts_contact WHERE status = 'decided' "
            "AND decided_at >= %s AND decided_at < %s",
            [start, end],
        )
        decided_today = cursor.fetchone()[0]
        cursor.execute(
            """
            SELECT a.code, count(*), count(*) FILTER (WHERE r.due_at < %s)
            FROM enquiries_informationrequest r JOIN accounts_agency a ON a.id = r.agency_id
            WHERE r.status = 'requested' GROUP BY a.code ORDER BY a.code
            """,
            [now],
        )
        outstanding = cursor.fetchall()
        cursor.execute(
            "SELECT count(*) FROM enquiries_informationrequest r JOIN accounts_agency a "
            "ON a.id = r.agency_id WHERE a.code = 'POLICE'"
        )
        police_total = cursor.fetchone()[0]
    lines = [
        "Data: " + ", ".join(f"{n:,} {label}" for label, n in counts.items()),
        f"History: contacts received {first:%d %b %Y} to {last:%d %b %Y}"
        if first
        else "History: none",
        "Live workload (contacts: total / overdue / Red or immediate risk): "
        + ", ".join(f"{status} {n} / {o} / {r}" for status, (n, o, r) in open_states.items())
        + f"; decided today {decided_today}",
        "Requests outstanding (total / overdue): "
        + ", ".join(f"{code} {n} / {o}" for code, n, o in outstanding)
        + f"; police requests in all: {police_total:,}",
    ]
    return lines


# -- measuring ----------------------------------------------------------------------------------


@dataclass
class Page:
    label: str
    user: object
    path: str
    #: For a POST: a function of the request number giving the form data.
    data: object = None
    must_contain: bytes = b""
    target_p95: float = 150.0
    #: "target": one of the issue's pages; "extra": measured against the same targets but not
    #: in the issue's list; "reference": shown for comparison only.
    kind: str = "target"


class Requester:
    """Sends request number ``n`` for one page with its user's signed-in client; any answer
    but 200 stops the run (a benchmark of error pages would be meaningless)."""

    def __init__(self, page: Page, client):
        self.page, self.client, self.sent = page, client, 0

    def __call__(self):
        page = self.page
        if page.data is None:
            response = self.client.get(page.path)
        else:
            response = self.client.post(page.path, page.data(self.sent))
        self.sent += 1
        if response.status_code != 200:
            sys.exit(f"{page.label}: {page.path} answered {response.status_code}")
        return response


@dataclass
class Result:
    page: Page
    times: list[float]
    queries: int
    rps: float
    #: The minimal view's throughput measured in the same time slices as this page's.
    baseline_rps: float
    slow_queries: list[dict]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def throughput(page: Requester, minimal: Requester, seconds: float, slice_: float = 0.25):
    """Requests per second of ``page`` and of ``minimal``, in alternating slices of
    ``slice_`` seconds until each has run ``seconds``: on a shared machine both see the same
    background load, so their ratio is fair even when the absolute figures drift."""
    counts = {"page": 0, "minimal": 0}
    spent = {"page": 0.0, "minimal": 0.0}
    while spent["page"] < seconds:
        for key, send in (("minimal", minimal), ("page", page)):
            started = time.perf_counter()
            while time.perf_counter() - started < slice_:
                send()
                counts[key] += 1
            spent[key] += time.perf_counter() - started
    return counts["page"] / spent["page"], counts["minimal"] / spent["minimal"]


def prepare(page: Requester, warmup: int) -> list[dict]:
    """Warm the page up, check it shows what it should, and return one request's queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        response = page()
    must = page.page.must_contain
    if must and must not in response.content:
        sys.exit(f"{page.page.label}: the page does not show {must!r}")
    with CaptureQueriesContext(connection) as captured:
        page()
    # Copied now: the next request clears the connection's query log it points into.
    return list(captured.captured_queries)


def sample(pages: list[Requester], samples: int) -> list[list[float]]:
    """Server time of each page, ``samples`` times, in rounds of one request per page: on a
    shared machine a burst of someone else's work then slows every page a little instead of
    one page a lot, so the percentiles compare pages rather than moments."""
    times: list[list[float]] = [[] for _ in pages]
    for _ in range(samples):
        for n, page in enumerate(pages):
            started = time.perf_counter()
            page()
            times[n].append((time.perf_counter() - started) * 1000)
    return times


def explain(result: Result) -> None:
    """EXPLAIN ANALYZE the slowest read queries of a page (in a transaction rolled back)."""
    from django.db import connection, transaction

    print(f"\n=== {result.page.label}: slowest queries ===")
    for query in result.slow_queries:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith("SELECT") or "FOR UPDATE" in sql.upper():
            continue
        print(
            f"\n-- {float(query['time']) * 1000:.1f} ms: {sql[:300]}{'…' if len(sql) > 300 else ''}"
        )
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                for (line,) in cursor.fetchall():
                    print("   " + line)
            transaction.set_rollback(True)


def run_measurements(staff: Staff, busy, args) -> list[Result]:
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from bench import person_search

    searches = person_search.build_queries(args.samples + args.warmup + 400)

    def search_data(n: int) -> dict:
        return person_search.post_data(searches[n % len(searches)][1])

    clients = {}
    for user in (staff.rio, staff.pm, staff.sw, staff.police):
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        clients[user.pk] = client

    with override_settings(ROOT_URLCONF="bench.pathway_urls"):
        row = b"govuk-table__row"
        minimal = Page(
            "Minimal view (1 query + tiny template)",
            staff.pm,
            reverse("bench_minimal", args=[busy]),
        )
        pages = [
            Page("To record", staff.rio, reverse("contacts:to_record"), must_contain=row),
            Page("To screen", staff.pm, reverse("contacts:to_screen"), must_contain=row),
            Page("Open enquiries", staff.sw, reverse("enquiries:open_queue"), must_contain=row),
            Page("Awaiting analysis", staff.sw, reverse("enquiries:ready_queue"), must_contain=row),
            Page(
                "My agency's requests (police)",
                staff.police,
                reverse("enquiries:request_queue"),
                must_contain=row,
            ),
            Page("Awaiting decision", staff.pm, reverse("decisions:awaiting"), must_contain=row),
            Page("Decided today", staff.pm, reverse("decisions:today"), must_contain=row),
            Page(
                "Contact page (busy contact)",
                staff.pm,
                reverse("contacts:detail", args=[busy]),
                must_contain=b"Police responded",
            ),
            Page(
                "Person search (POST)",
                staff.sw,
                reverse("people:search"),
                data=search_data,
                target_p95=100.0,
            ),
            Page(
                "Outcomes of answered enquiries (police)",
                staff.police,
                reverse("decisions:outcomes"),
                must_contain=b"govuk-table__row",
                kind="extra",
            ),
            Page(
                "Layout only (1 query in base.html)",
                staff.pm,
                reverse("bench_layout", args=[busy]),
                kind="reference",
            ),
        ]
        if args.only:
            words = [w.strip().lower() for w in args.only.split(",") if w.strip()]
            pages = [
                p
                for p in pages
                if p.kind == "reference" or any(w in p.label.lower() for w in words)
            ]
        minimal_requester = Requester(minimal, clients[minimal.user.pk])
        requesters = [minimal_requester] + [Requester(p, clients[p.user.pk]) for p in pages]
        queries = []
        for requester in requesters:
            print(f"  warming up {requester.page.label} …", flush=True)
            queries.append(prepare(requester, args.warmup))
        print(f"  {args.samples} rounds of one request per page …", flush=True)
        times = sample(requesters, args.samples)
        results = []
        for requester, page_queries, page_times in zip(requesters, queries, times, strict=True):
            print(f"  throughput of {requester.page.label} …", flush=True)
            if requester is minimal_requester:
                rps = baseline = throughput(requester, minimal_requester, args.seconds / 2)[0]
            else:
                rps, baseline = throughput(requester, minimal_requester, args.seconds)
            slow = sorted(page_queries, key=lambda q: -float(q["time"]))[:3]
            results.append(
                Result(requester.page, page_times, len(page_queries), rps, baseline, slow)
            )
        # The minimal view's throughput alone once more at the end, to show the drift.
        rps = throughput(minimal_requester, minimal_requester, args.seconds / 2)[0]
        results.append(Result(minimal, times[0], results[0].queries, rps, rps, []))
    return results


def report(results: list[Result], user_names: dict, *, partial: bool = False) -> list[str]:
    lines = [
        f"{'Page':<40} {'user':<13} {'queries':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'req/s':>7} {'minimal':>7} {'ratio':>6}  verdict",
        "-" * 118,
    ]
    all_ok = True
    for n, result in enumerate(results):
        page = result.page
        p50, p95, p99 = (percentile(result.times, p) for p in (50, 95, 99))
        ratio = result.rps / result.baseline_rps
        if n in (0, len(results) - 1):
            verdict = "baseline" if n == 0 else "baseline throughput again at the end"
        elif page.kind == "reference":
            verdict = "reference (no target)"
        else:
            ok = p95 < page.target_p95 and ratio >= 0.3
            if page.kind == "target":
                all_ok = all_ok and ok
            verdict = ("" if page.kind == "target" else "extra: ") + (
                "ok"
                if ok
                else "OVER TARGET"
                + (f" (p95 >= {page.target_p95:.0f})" if p95 >= page.target_p95 else "")
                + (" (ratio < 0.3)" if ratio < 0.3 else "")
            )
        lines.append(
            f"{page.label:<40} {user_names[page.user.pk]:<13} {result.queries:>7} {p50:>7.1f} "
            f"{p95:>7.1f} {p99:>7.1f} {result.rps:>7.1f} {result.baseline_rps:>7.1f} "
            f"{ratio:>6.2f}  {verdict}"
        )
    lines.append("-" * 118)
    lines.append(
        "Targets: p95 < 150 ms (person search < 100 ms) and throughput >= 0.3 of the minimal "
        "view's, measured in alternating slices with each page ('minimal'). "
        + ("All the issue's pages meet them." if all_ok else "Some of the issue's pages miss them.")
        + (" Only the pages chosen with --only were measured." if partial else "")
    )
    return lines


# -- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000, help="historical contacts")
    parser.add_argument("--people", type=int, default=300_000)
    parser.add_argument("--samples", type=int, default=200, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per page first")
    parser.add_argument("--seconds", type=float, default=5.0, help="throughput run per page")
    parser.add_argument("--fill-minutes", type=float, help="stop filling history after this")
    parser.add_argument("--no-fill", action="store_true", help="measure what is there")
    parser.add_argument("--fill-only", action="store_true", help="fill, do not measure")
    parser.add_argument(
        "--refill", action="store_true", help="empty contacts and what hangs off them first"
    )
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN ANALYZE each page's slowest queries"
    )
    parser.add_argument(
        "--only",
        help="measure only pages whose name contains one of these comma-separated words "
        "(e.g. 'contact page,search'); the minimal view and the layout are always measured",
    )
    parser.add_argument(
        "--keep-live",
        action="store_true",
        help="reuse the live workload of the last run instead of rebuilding it (for quick "
        "re-measures; due times drift as the clock moves on)",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    deadline = started + args.fill_minutes * 60 if args.fill_minutes else None

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from openmash.accounts.reference_data import load_reference_data

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    load_reference_data()
    header = machine()
    print("\n".join(header))
    staff = bench_staff()
    meta = meta_get()

    if args.refill:
        print("Emptying contacts, enquiries and decisions")
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE contacts_contact CASCADE")
        meta = {}
    if "history_end" not in meta:
        end_day = timezone.localdate() - timedelta(days=4)
        meta = {"contacts": str(args.contacts), "history_end": end_day.isoformat()}
        meta_set(**meta)
    elif int(meta["contacts"]) != args.contacts and not args.no_fill:
        sys.exit(
            f"This database holds a fill planned for {int(meta['contacts']):,} contacts; "
            f"run with --contacts {meta['contacts']}, or --refill to start again."
        )
    history_end_day = date.fromisoformat(meta["history_end"])
    history_end = local_midnight(history_end_day)
    months = history_plan(int(meta["contacts"]), history_end_day)

    if not args.no_fill:
        people_ensure(args.people)
    print("Loading the person index for linking …", flush=True)
    builder = ContactBuilder(staff, PersonPool(SEED), SEED)
    if not args.no_fill:
        complete, filled = history_fill(builder, months, deadline)
        references_bump(months)
        if filled:
            keys_check()
            with connection.cursor() as cursor:
                for table in PATHWAY_TABLES:
                    cursor.execute(f"VACUUM (ANALYZE) {table}")
        fill_minutes = (time.perf_counter() - started) / 60
        print(f"Fill {'complete' if complete else 'partial'} after {fill_minutes:.1f} minutes")
    now = timezone.now()
    if args.keep_live and meta.get("busy"):
        busy = uuid.UUID(meta["busy"])
    else:
        busy = live_refresh(builder, history_end, now)
        meta_set(busy=busy)
    data = sizes(history_end, now)
    print("\n".join(data))
    if args.fill_only:
        return

    print(
        f"\nMeasuring: {args.warmup} warm-up requests per page, then {args.samples} rounds of "
        f"one request to each page, then {args.seconds:g} s of throughput per page (one "
        "client, requests in sequence) in slices alternating with the minimal view"
    )
    results = run_measurements(staff, busy, args)
    names = {
        staff.rio.pk: "officer",
        staff.pm.pk: "prac. manager",
        staff.sw.pk: "social worker",
        staff.police.pk: "police",
    }
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print()
    print("\n".join(header))
    print(f"Load average when measuring finished (1, 5, 15 min): {load} on {os.cpu_count()} cores")
    print("\n".join(data))
    print(f"Command: {' '.join([Path(sys.executable).name, *sys.argv])}\n")
    print("\n".join(report(results, names, partial=bool(args.only))))
    if args.explain:
        for result in results[1:-1]:
            explain(result)


if __name__ == "__main__":
    main()
