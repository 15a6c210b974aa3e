"""The public register with 200,000 published barriers on PostgreSQL: p95 of its pages.

    DATABASE_URL=postgres://USER@HOST:PORT/DB DEBUG=1 .venv/bin/python bench/register.py \
        [--barriers 200000] [--runs 60] [--fresh] [--with-bulk]

Migrates the database, then (unless it already holds that many publications; ``--fresh`` deletes
the register's rows first) generates published barriers with ``bulk_create``: texts are the
titles and bodies of ``../shared/data/barriers-dev.jsonl`` varied with added sentences, redacted
and analysed once per distinct text (kiwipiepy) and reused; sectors, agencies, states, filing
years, due dates, affected-firm counts and privacy choices are drawn at random (seeded). Then it
times, through Django's test client (view, queries, template), warm, ``--runs`` requests each of:

* the register's first page (``/register/``, newest first);
* a Korean search (``?q=``, queries cycling over words from the labelled set);
* a filter combination (sector + agency + state + year, sorted by oldest answer due; and
  overdue + sector, sorted by most firms affected).

Prints p50/p95/max in milliseconds; the target is p95 < 200 ms each. With ``--with-bulk`` it
then runs ``bench/bulk_upload.py``'s ``main()`` if that script exists.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haechi.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

SEED = 20261128
BATCH = 5_000
EXTRA_SENTENCES = [
    "관련 부처에 여러 차례 문의했지만 명확한 답을 듣지 못했습니다.",
    "해외 경쟁 기업은 이미 같은 서비스를 출시했습니다.",
    "실증특례를 신청하려 해도 기준이 없어 준비가 어렵습니다.",
    "중소기업이 감당하기 어려운 인증 비용이 듭니다.",
    "투자 유치 일정이 늦어지고 있습니다.",
    "지자체마다 해석이 달라 사업을 확장하기 어렵습니다.",
    "개인정보 보호 규정과 충돌하는지 판단이 필요합니다.",
    "시범운행지구 밖에서는 운행할 수 없습니다.",
    "데이터 결합 절차가 복잡해 분석을 시작하지 못했습니다.",
    "규제샌드박스 신속확인을 요청합니다.",
    "임시허가 기간 만료 후 대책이 없습니다.",
    "인력 채용 계획을 보류했습니다.",
]


def _shared_dir() -> Path:
    return Path(os.environ.get("HAECHI_SHARED_DIR", ROOT.parent / "shared"))


def _texts() -> list[dict[str, str]]:
    path = _shared_dir() / "data" / "barriers-dev.jsonl"
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _reference_data(rng: random.Random) -> tuple[list, list, list, list, object]:
    from accounts.models import User
    from agencies.models import Agency
    from firms.brn import check_digit
    from firms.models import Cluster, Firm, Sector, SizeClass
    from firms.reference_data import load_sectors

    load_sectors()
    sectors = list(Sector.objects.all())
    ministries = [
        "과학기술정보통신부", "금융위원회", "국토교통부", "보건복지부", "식품의약품안전처", "산업통상자원부",
        "개인정보보호위원회", "경찰청", "환경부", "고용노동부", "중소벤처기업부", "행정안전부",
    ]  # fmt: skip
    agencies = []
    for n, name in enumerate(ministries):
        agency, _ = Agency.objects.get_or_create(name=name, defaults={"code": f"bench-agency-{n}"})
        agencies.append(agency)
    clusters = []
    for n, name in enumerate(["홍릉", "양재", "마곡", "상암", "G밸리", "여의도"]):
        cluster, _ = Cluster.objects.get_or_create(slug=f"bench-{n}", defaults={"name": f"벤치 {name}", "theme": name})
        clusters.append(cluster)
    user, _ = User.objects.get_or_create(email="bench-register@example.kr", defaults={"name": "벤치"})
    firms = list(Firm.objects.filter(business_registration_number__startswith="7"))
    if len(firms) < 20_000:
        new = []
        for n in range(len(firms), 20_000):
            prefix = f"{700000000 + n}"
            new.append(
                Firm(
                    name=f"벤치기업{n}",
                    business_registration_number=prefix + str(check_digit(prefix)),
                    size_class=rng.choice(list(SizeClass.values)),
                    cluster=rng.choice([*clusters, None]),
                )
            )
        Firm.objects.bulk_create(new, batch_size=BATCH)
        firms = list(Firm.objects.filter(business_registration_number__startswith="7"))
        through = Firm.sectors.through
        through.objects.bulk_create(
            [through(firm_id=f.pk, sector_id=rng.choice(sectors).pk) for f in firms],
            batch_size=BATCH,
            ignore_conflicts=True,
        )
    return sectors, agencies, firms, clusters, user


def _variants(rng: random.Random) -> list[tuple[str, str, str, str]]:
    """(title, redacted title, redacted body, search tokens) for distinct texts, analysed once
    (and kept in /tmp between runs: on a shared two-core machine analysis takes minutes)."""
    cache_file = Path("/tmp/haechi-register-bench-variants.json")
    if cache_file.exists():
        return [tuple(v) for v in json.loads(cache_file.read_text(encoding="utf-8"))]  # type: ignore[misc]
    from core.redaction import redact
    from register.search import index_tokens

    variants: dict[str, tuple[str, str, str, str]] = {}
    started = time.perf_counter()
    for record in _texts():
        for extra in rng.sample(EXTRA_SENTENCES, 3):
            title = record.get("title") or record["text"][:30]
            red_title = redact(title).text
            red_body = redact(f"{record['text']} {extra}").text
            variants[red_body] = (title, red_title, red_body, index_tokens(red_title, red_body))
    print(f"analysed {len(variants):,} distinct texts in {time.perf_counter() - started:.1f} s")
    cache_file.write_text(json.dumps(list(variants.values()), ensure_ascii=False), encoding="utf-8")
    return list(variants.values())


def _insert_select(model: type, given: dict[str, str], source: str, params: dict[str, object]) -> int:
    """INSERT INTO model's table SELECT ... FROM ``source``: ``given`` maps attnames to SQL
    expressions; every other column gets the model default (so new columns need no change here)."""
    columns, expressions = [], []
    for field in model._meta.concrete_fields:  # type: ignore[attr-defined]
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.attname in given:
            expressions.append(given[field.attname])
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            expressions.append("now()")
        else:
            key = f"default_{field.column}"
            params[key] = field.get_db_prep_save(field.get_default(), connection)
            expressions.append(f"CAST(%({key})s AS {field.db_type(connection)})")
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(expressions)} FROM {source}"  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def generate(count: int, rng: random.Random) -> None:
    """Published barriers made by the database itself (INSERT ... SELECT over generate_series):
    Python-side bulk_create manages ~150 rows a second on a loaded two-core machine."""
    from barriers.models import Barrier, BarrierAnswer
    from register.models import Publication

    sectors, agencies, firms, _clusters, user = _reference_data(rng)
    variants = _variants(rng)
    states = ["triaged"] * 10 + ["forwarded"] * 30 + ["answered"] * 25 + ["second_review"] * 5
    states += ["escalated"] * 5 + ["closed"] * 25
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [0.2026])
        cursor.execute("DROP TABLE IF EXISTS bench_variant")
        cursor.execute(
            "CREATE TEMP TABLE bench_variant"
            " (n int PRIMARY KEY, title text, red_title text, red_body text, tokens text)"
        )
        cursor.executemany(
            "INSERT INTO bench_variant VALUES (%s, %s, %s, %s, %s)",
            [(n, *v) for n, v in enumerate(variants, start=1)],
        )
        cursor.execute("SELECT coalesce(max(id), 0) FROM barriers_barrier")
        first_id = cursor.fetchone()[0]
        params: dict[str, object] = {
            "count": count,
            "nv": len(variants),
            "states": states,
            "firms": [f.pk for f in firms],
            "agencies": [a.pk for a in agencies],
            "start": dt.datetime(2021, 1, 1, tzinfo=dt.UTC),
            "end": timezone.now() - dt.timedelta(days=20),
            "user": user.pk,
        }
        source = """(
            SELECT y.*,
              CASE y.st WHEN 'triaged' THEN y.sub + interval '6 days'
                WHEN 'forwarded' THEN y.sub + (10 + y.r2 * 600) * interval '1 day'
                WHEN 'second_review' THEN y.sub + (10 + y.r2 * 600) * interval '1 day'
                WHEN 'answered' THEN now() + (y.r2 * 60 - 30) * interval '1 day'
                WHEN 'escalated' THEN now() + (y.r2 * 120 - 60) * interval '1 day' END AS due
            FROM (
              SELECT bv.title, bv.red_body,
                (%(states)s::text[])[1 + floor(random() * 100)::int] AS st,
                %(start)s::timestamptz + random() * (%(end)s::timestamptz - %(start)s::timestamptz) AS sub,
                (%(firms)s::bigint[])[1 + floor(random() * cardinality(%(firms)s::bigint[]))::int] AS firm_id,
                (%(agencies)s::bigint[])[1 + floor(random() * cardinality(%(agencies)s::bigint[]))::int] AS agency_id,
                random() AS r1, random() AS r2, random() AS r3
              FROM (SELECT 1 + floor(random() * %(nv)s)::int AS v FROM generate_series(1, %(count)s) OFFSET 0) g
              JOIN bench_variant bv ON bv.n = g.v
            ) y
          ) x"""
        given = {
            "title": "x.title",
            "body": "x.red_body",
            "firm_id": "x.firm_id",
            "filed_by_id": "%(user)s",
            "privacy": "CASE WHEN x.r1 < 0.67 THEN 'public_anonymous' ELSE 'public_named' END",
            "seal_from_agency": "x.r2 < 0.05",
            "status": "x.st",
            "status_changed_at": "x.sub + interval '3 days'",
            "kind": "'proposal'",
            "lead_agency_id": "x.agency_id",
            "affected_firm_count": "1 + floor(-ln(1 - x.r3) * 2)::int",
            "submitted_at": "x.sub",
            "triaged_at": "x.sub + interval '3 days'",
            "forwarded_at": "CASE WHEN x.st <> 'triaged' THEN x.sub + interval '4 days' END",
            "first_answered_at": "CASE WHEN x.st IN ('answered', 'closed') THEN x.sub + interval '18 days' END",
            "closed_at": "CASE WHEN x.st = 'closed' THEN LEAST(x.sub + interval '60 days', now()) END",
            "due_at": "x.due",
            "due_on": "(x.due AT TIME ZONE 'Asia/Seoul')::date",
            "due_step": """CASE x.st WHEN 'triaged' THEN 'triage' WHEN 'forwarded' THEN 'agency_answer'
                WHEN 'second_review' THEN 'second_answer' WHEN 'answered' THEN 'reaction'
                WHEN 'escalated' THEN 'escalation' ELSE '' END""",
        }
        made = _insert_select(Barrier, given, source, params)
        print(f"  {made:,} barriers in {time.perf_counter() - started:.0f} s")
        cursor.execute(
            "INSERT INTO barriers_barrier_sectors (barrier_id, sector_id)"
            " SELECT id, (%(sectors)s::bigint[])[1 + id %% cardinality(%(sectors)s::bigint[])]"
            " FROM barriers_barrier WHERE id > %(first)s",
            {"sectors": [s.pk for s in sectors], "first": first_id},
        )
        published = _insert_select(
            Publication,
            {
                "barrier_id": "b.id",
                "public_id": "upper(substr(md5(random()::text || b.id::text), 1, 10))",
                "title": "bv.red_title",
                "body": "bv.red_body",
                "search_tokens": "bv.tokens",
                "published_at": "b.triaged_at + interval '1 day'",
                "updated_at": "b.triaged_at + interval '1 day'",
                "published_by_id": "%(user)s",
            },
            "barriers_barrier b JOIN bench_variant bv ON bv.red_body = b.body WHERE b.id > %(first)s",
            {"user": user.pk, "first": first_id},
        )
        print(f"  {published:,} publications in {time.perf_counter() - started:.0f} s")
        answers = _insert_select(
            BarrierAnswer,
            {
                "barrier_id": "b.id",
                "agency_id": "b.lead_agency_id",
                "outcome": "'declined'",
                "body": "'현행 법령상 허용되지 않습니다.'",
                "reason_code": "'safety'",
                "legal_basis": "'관련 법령 제1조'",
                "created_at": "b.first_answered_at",
            },
            "barriers_barrier b WHERE b.id > %(first)s AND b.first_answered_at IS NOT NULL",
            {"first": first_id},
        )
        print(f"  {answers:,} answers in {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


class _DbClock:
    """Wall time spent inside database calls (an ``execute_wrapper``)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


def explain_requests(client: Client, label: str, urls: list[str]) -> None:
    """Each URL's queries under EXPLAIN (ANALYZE, BUFFERS): the server's execution and planning
    time and the buffers read, which a loaded machine inflates far less than wall time."""
    from django.test.utils import CaptureQueriesContext

    worst: list[tuple[float, float, int, int]] = []
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        execution = planning = 0.0
        buffers = 0
        with connection.cursor() as cursor:
            for query in captured.captured_queries:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + query["sql"])
                plan = cursor.fetchone()[0][0]
                execution += plan["Execution Time"]
                planning += plan["Planning Time"]
                buffers += plan["Plan"].get("Shared Hit Blocks", 0) + plan["Plan"].get("Shared Read Blocks", 0)
        worst.append((execution, planning, buffers, len(captured.captured_queries)))
    execution, planning, buffers, queries = max(worst)
    print(
        f"{label:<22}{statistics.median(w[0] for w in worst):>10.1f}{execution:>10.1f}{planning:>10.1f}"
        f"{buffers:>10,}{queries:>8}"
    )


def time_requests(
    client: Client, label: str, urls: list[str], runs: int
) -> tuple[str, list[float], list[float], list[float]]:
    """(label, wall ms, Python CPU ms, database ms) per request, after warming up."""
    for url in urls[:3]:
        client.get(url)  # warm: templates compiled, caches filled
    wall, cpu, db = [], [], []
    for n in range(runs):
        url = urls[n % len(urls)]
        clock = _DbClock()
        with connection.execute_wrapper(clock):
            started, cpu_started = time.perf_counter(), time.thread_time()
            response = client.get(url)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - cpu_started) * 1000)
        db.append(clock.seconds * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return label, wall, cpu, db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--barriers", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--fresh", action="store_true", help="delete the register's rows first")
    parser.add_argument("--with-bulk", action="store_true", help="then run bench/bulk_upload.py's main()")
    parser.add_argument(
        "--explain", action="store_true", help="also EXPLAIN (ANALYZE, BUFFERS) every query of every URL once"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/register.py measures PostgreSQL: set DATABASE_URL=postgres://...")
    rng = random.Random(SEED)
    call_command("migrate", verbosity=0)
    from barriers.models import Barrier
    from register.models import Publication

    if args.fresh:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE register_publication, barriers_barrier CASCADE")
    have = Publication.objects.count()
    if have < args.barriers:
        print(f"generating {args.barriers - have:,} published barriers (have {have:,}) …")
        started = time.perf_counter()
        generate(args.barriers - have, rng)
        print(f"generated in {time.perf_counter() - started:.0f} s")
    print(f"register: {Publication.objects.count():,} publications, {Barrier.objects.count():,} barriers")

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    from agencies.models import Agency

    agency_codes = list(Agency.objects.filter(code__startswith="bench-agency-").values_list("code", flat=True))
    queries = ["클라우드", "원격의료 플랫폼", "드론 비행", "개인정보", "자율주행 실증", "의료기기 허가", "핀테크 규제"]
    queries += ["데이터 결합", "로봇 보도", "임시허가"]
    year = timezone.localdate().year - 1
    combos = [
        f"/register/?sector={sector}&agency={agency}&status=forwarded&year={year}&sort=due"
        for sector, agency in zip(
            ["fintech", "mobility", "robots", "ai", "biohealth"] * 2, agency_codes[:10], strict=False
        )
    ]
    combos += [f"/register/?overdue=on&sector={s}&sort=affected" for s in ["fintech", "mobility", "robots", "ai"]]
    print(f"\nload average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", end="")
    results = [
        time_requests(client, "first page", ["/register/"], args.runs),
        time_requests(client, "Korean search", [f"/register/?q={q}" for q in queries], args.runs),
        time_requests(client, "filter combination", combos, args.runs),
    ]
    print(f", after: {os.getloadavg()[0]:.1f}")
    print(f"{args.runs} requests each through the test client (view + queries + template); target p95 < 200 ms")
    print(f"{'page':<22}{'wall p50':>10}{'wall p95':>10}{'wall max':>10}{'cpu p95':>10}{'db p95':>10}")
    for label, wall, cpu, db in results:
        flag = "ok" if _p(wall, 0.95) < 200 else "over"
        print(
            f"{label:<22}{statistics.median(wall):>10.1f}{_p(wall, 0.95):>10.1f}{max(wall):>10.1f}"
            f"{_p(cpu, 0.95):>10.1f}{_p(db, 0.95):>10.1f}   {flag}"
        )
    print("(cpu: this process's Python time; db: wall time inside database calls, server work included)")
    if args.explain:
        print("\nEXPLAIN ANALYZE per request, all its queries summed (ms); the worst URL of each kind")
        print(f"{'page':<22}{'exec p50':>10}{'exec max':>10}{'planning':>10}{'buffers':>10}{'queries':>8}")
        explain_requests(client, "first page", ["/register/"])
        explain_requests(client, "Korean search", [f"/register/?q={q}" for q in queries])
        explain_requests(client, "filter combination", combos)

    if args.with_bulk:
        script = Path(__file__).with_name("bulk_upload.py")
        if not script.exists():
            print("\n--with-bulk: bench/bulk_upload.py does not exist (yet); skipped")
            return
        spec = importlib.util.spec_from_file_location("bench_bulk_upload", script)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print("\nbench/bulk_upload.py:")
        sys.argv = [str(script)]
        module.main()


if __name__ == "__main__":
    main()
