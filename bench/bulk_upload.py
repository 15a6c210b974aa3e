"""Bulk upload of 10,000 rows: seconds and peak memory (target < 60 s, < 500 MB).

    .venv/bin/python bench/bulk_upload.py [--rows 10000] [--xlsx]          # throw-away SQLite file
    DATABASE_URL=postgres://USER@HOST:PORT/DB .venv/bin/python bench/bulk_upload.py

Without ``DATABASE_URL`` it migrates a fresh SQLite file in a temporary directory; with one it
migrates that database and files 10,000 barriers into it (audit events cannot be deleted, so use
a throw-away database). ``bench/register.py --with-bulk`` calls ``main()`` after its own run.

The rows are real text: titles and bodies of the 청와대 petitions in
``../shared/data/real/petitions_cheongwadae`` (those a barrier can hold), cycled, each title made
unique, spread over 200 member firms of one association and the six sectors. Measured, as the
upload runs in production: ``start_upload`` (store the file) and the background task's work
(``process_upload``: read, check every row, file all in one transaction). Memory: the process's
peak resident set (``ru_maxrss``, includes Django
itself and the generated file); ``--trace`` adds the Python heap's peak (tracemalloc, slower).
DEBUG is off while the upload runs, as in production.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup_django() -> None:
    from django.apps import apps

    if apps.ready:  # called from another benchmark that set Django up already
        return
    if not os.environ.get("DATABASE_URL"):
        scratch = tempfile.mkdtemp(prefix="haechi-bulk-bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haechi.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    import django

    django.setup()


def _texts() -> list[tuple[str, str]]:
    from django.conf import settings

    from barriers.models import BODY_MAX
    from core.text import normalize_text

    path = Path(settings.HAECHI_DATA_DIR) / "real" / "petitions_cheongwadae" / "petitions.jsonl"
    texts = []
    if path.exists():
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                item = json.loads(line)
                body = normalize_text(item["content"])
                if 20 <= len(body) <= BODY_MAX and item["title"].strip():
                    texts.append((item["title"].strip()[:150], body))
    return texts or [
        ("자율주행 배송 로봇 보도 통행", "자율주행 배송 로봇이 보도를 다닐 수 없어 실증을 하지 못합니다. " * 10)
    ]


def _fixtures(firm_count: int):  # type: ignore[no-untyped-def]
    import secrets

    from accounts.models import Membership, Role, User
    from firms.models import Association, AssociationMembership, Firm
    from firms.reference_data import load_sectors
    from firms.tests.factories import brn_for

    load_sectors()
    tag = secrets.token_hex(3)
    association = Association.objects.create(name=f"벤치마크 협회 {tag}")
    staff = User.objects.create_user(email=f"bulk-bench-{tag}@example.kr", password=None, name="벤치마크")
    Membership.objects.create(user=staff, role=Role.ASSOCIATION_STAFF, association=association)
    start = int(tag, 16) % 400_000 + 500_000  # BRNs unlikely to exist in a reused database
    firms = Firm.objects.bulk_create(
        [Firm(name=f"벤치 기업 {tag}-{i}", business_registration_number=brn_for(start + i)) for i in range(firm_count)],
        ignore_conflicts=True,
    )
    firms = list(Firm.objects.filter(name__startswith=f"벤치 기업 {tag}-"))
    AssociationMembership.objects.bulk_create([AssociationMembership(firm=f, association=association) for f in firms])
    return staff, firms


def _file(rows: int, firms, as_xlsx: bool) -> tuple[str, bytes]:  # type: ignore[no-untyped-def]
    from bulk_filing.columns import TEMPLATE_HEADER

    sectors = ["핀테크", "모빌리티", "로봇", "AI", "바이오헬스", "기타"]
    privacy = ["기업명 없이 공개", "기업명과 함께 공개", "비공개"]
    texts = _texts()
    table = [
        [
            f"{texts[i % len(texts)][0]} (#{i + 1})",
            texts[i % len(texts)][1],
            firms[i % len(firms)].brn_display,
            sectors[i % len(sectors)],
            "건의",
            "",
            "",
            str((i % 50) * 1_000_000),
            str(i % 24),
            "",
            privacy[i % len(privacy)],
            "예" if i % 7 == 0 else "",
        ]
        for i in range(rows)
    ]
    if as_xlsx:
        import openpyxl

        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet("접수")
        sheet.append(TEMPLATE_HEADER)
        for row in table:
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        return "bench.xlsx", buffer.getvalue()
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(TEMPLATE_HEADER)
    writer.writerows(table)
    return "bench.csv", text.getvalue().encode("utf-8-sig")


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _server_cpu_seconds() -> float | None:
    """CPU time of this connection's PostgreSQL backend (its /proc entry, when the server runs on
    this machine and is readable), so that the figures show where the wall time went; None
    otherwise (SQLite works inside this process and is counted there)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> dict[str, float]:
    """Run the benchmark, print its figures and return them."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--firms", type=int, default=200)
    parser.add_argument("--xlsx", action="store_true", help="upload an XLSX instead of a CSV")
    parser.add_argument("--trace", action="store_true", help="also trace the Python heap (tracemalloc; slower)")
    args = parser.parse_args(sys.argv[1:])
    _setup_django()

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from bulk_filing import services
    from bulk_filing.models import BulkUpload

    call_command("migrate", verbosity=0)
    staff, firms = _fixtures(args.firms)
    name, data = _file(args.rows, firms, args.xlsx)
    print(f"database: {connection.vendor}; file: {name}, {args.rows:,} rows, {len(data) / 1024 / 1024:.1f} MB")

    # As in production: DEBUG would keep the text of every SQL statement (10,000 bodies) in memory.
    debug, settings.DEBUG = settings.DEBUG, False
    rss_before = _rss_mb()
    if args.trace:
        tracemalloc.start()
    server_began = _server_cpu_seconds()
    began, cpu_began = time.perf_counter(), _cpu_seconds()
    upload = services.start_upload(actor=staff, file_name=name, data=data)
    del data
    stored = time.perf_counter()
    # The background task's work, run here so it is timed whatever the task backend.
    status = services.process_upload(upload_id=upload.pk)
    finished, cpu_used = time.perf_counter(), _cpu_seconds() - cpu_began
    server_ended = _server_cpu_seconds()
    server_cpu = server_ended - server_began if server_began is not None and server_ended is not None else None
    peak = 0
    if args.trace:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    settings.DEBUG = debug

    upload = BulkUpload.objects.defer("data").get(pk=upload.pk)
    if status != "done":
        print(f"upload ended {status}: {upload.message} {upload.errors[:3]}")
        raise SystemExit(1)
    figures = {
        "rows": float(upload.created_count),
        "seconds": finished - began,
        "cpu_seconds": cpu_used,
        "store_seconds": stored - began,
        "process_seconds": finished - stored,
        "python_peak_mb": peak / 1024 / 1024,
        "rss_peak_mb": _rss_mb(),
    }
    if server_cpu is not None:
        figures["server_cpu_seconds"] = server_cpu
    ok_time = "ok" if figures["seconds"] < 60 else "SLOW"
    growth = figures["rss_peak_mb"] - rss_before
    ok_memory = "ok" if figures["rss_peak_mb"] < 500 else "OVER"
    print(
        f"filed {upload.created_count:,} barriers in {figures['seconds']:.1f} s "
        f"(store {figures['store_seconds']:.1f} s, check + import {figures['process_seconds']:.1f} s; "
        f"{upload.created_count / figures['seconds']:,.0f} rows/s; {cpu_used:.1f} s of CPU in this process"
        + (f", {server_cpu:.1f} s in the PostgreSQL backend" if server_cpu is not None else "")
        + f")  target < 60 s: {ok_time}"
    )
    # Wall time well above the CPU time is time spent waiting for a core on a shared machine.
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    traced = f"; Python heap peak {figures['python_peak_mb']:.0f} MB (tracemalloc)" if args.trace else ""
    print(
        f"peak memory: process RSS {figures['rss_peak_mb']:.0f} MB, of which the upload added {growth:.0f} MB "
        f"(RSS before it {rss_before:.0f} MB: Django, the generated file){traced}  target < 500 MB: {ok_memory}"
    )
    return figures


if __name__ == "__main__":
    main()
