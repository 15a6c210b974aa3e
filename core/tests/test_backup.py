"""Backups: ``manage.py backup`` then ``restore`` into a fresh database finds every barrier, event
(with its audit hash) and attachment (byte for byte); damaged archives and live targets are refused."""

from __future__ import annotations

import hashlib
import io
import os
import sqlite3
import subprocess
import tarfile
import uuid
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from barriers import services
from barriers.models import Attachment, Barrier, BarrierEvent
from barriers.tests.factories import BODY
from core.backup import pg_tool, pg_url

pytestmark = pytest.mark.django_db(transaction=True)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def stored(firm, firm_member, city_official, agency, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    first = services.file_barrier(
        actor=firm_member, firm=firm, title="첫째", body=BODY, sector_codes=["robots"], submit=True
    )
    second = services.file_barrier(
        actor=firm_member, firm=firm, title="둘째", body=BODY, sector_codes=["ai"], submit=True
    )
    services.triage_barrier(barrier_id=second.pk, actor=city_official, kind="proposal", lead_agency=agency)
    services.add_attachment(barrier_id=first.pk, actor=firm_member, name="a.png", data=PNG)
    services.add_attachment(barrier_id=second.pk, actor=firm_member, name="b.pdf", data=b"%PDF-1.4 test")
    return {
        "barriers": set(Barrier.objects.values_list("pk", flat=True)),
        "events": set(BarrierEvent.objects.values_list("pk", "hash")),
        "attachments": {(a.pk, a.file.name, a.sha256) for a in Attachment.objects.all()},
    }


def _backup(tmp_path: Path) -> Path:
    archive = tmp_path / "backups" / "haechi.tar.gz"
    call_command("backup", str(archive))
    return archive


def _check_media(media: Path, attachments: set) -> None:
    for _pk, name, digest in attachments:
        assert hashlib.sha256((media / name).read_bytes()).hexdigest() == digest


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite online backup path")
def test_sqlite_backup_restores_into_a_fresh_database(stored, tmp_path, capsys):
    archive = _backup(tmp_path)
    assert "backup written" in capsys.readouterr().out
    fresh, media = tmp_path / "fresh.sqlite3", tmp_path / "media-restored"
    call_command("restore", str(archive), "--to", str(fresh), "--media-root", str(media))
    assert "restored (sqlite)" in capsys.readouterr().out
    with sqlite3.connect(fresh) as db:
        assert {r[0] for r in db.execute("SELECT id FROM barriers_barrier")} == stored["barriers"]
        assert set(db.execute("SELECT id, hash FROM barriers_barrierevent")) == stored["events"]
        rows = set(db.execute("SELECT id, file, sha256 FROM barriers_attachment"))
    assert rows == stored["attachments"] and len(rows) == 2
    _check_media(media, stored["attachments"])


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite online backup path")
def test_restore_refuses_a_database_with_data_unless_forced(stored, tmp_path):
    archive = _backup(tmp_path)
    fresh = tmp_path / "fresh.sqlite3"
    call_command("restore", str(archive), "--to", str(fresh), "--media-root", str(tmp_path / "m"))
    with pytest.raises(CommandError, match="--force"):
        call_command("restore", str(archive), "--to", str(fresh), "--media-root", str(tmp_path / "m"))
    call_command("restore", str(archive), "--to", str(fresh), "--media-root", str(tmp_path / "m"), "--force")


def test_a_damaged_archive_is_refused(stored, tmp_path):
    archive = _backup(tmp_path)
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive, "r:gz") as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.startswith("media/"):
                data = b"X" + data[1:]
            target.addfile(member, io.BytesIO(data))
    with pytest.raises(CommandError, match="checksum mismatch"):
        call_command("restore", str(damaged), "--to", str(tmp_path / "x.sqlite3"), "--media-root", str(tmp_path / "m"))
    assert not (tmp_path / "m").exists()


def test_not_a_backup_is_refused(tmp_path, db):
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not a tar")
    with pytest.raises(CommandError, match="not a Haechi backup"):
        call_command("restore", str(bogus), "--to", str(tmp_path / "x.sqlite3"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump/pg_restore path (PostgreSQL)")
def test_postgres_backup_restores_into_a_fresh_database(stored, tmp_path):
    archive = _backup(tmp_path)
    settings_dict = connection.settings_dict
    fresh_name = f"haechi_restore_{uuid.uuid4().hex[:8]}"
    admin_url = pg_url({**settings_dict, "NAME": "postgres"})
    env = {**os.environ, "PGPASSWORD": str(settings_dict.get("PASSWORD") or "")}
    subprocess.run([pg_tool("psql"), "-c", f'CREATE DATABASE "{fresh_name}"', admin_url], check=True, env=env)
    try:
        url = pg_url({**settings_dict, "NAME": fresh_name})
        if settings_dict.get("PASSWORD"):
            url = url.replace("@", f":{settings_dict['PASSWORD']}@", 1)
        media = tmp_path / "media-restored"
        call_command("restore", str(archive), "--to", url, "--media-root", str(media))
        out = subprocess.run(
            [pg_tool("psql"), "-Atc", "SELECT id, hash FROM barriers_barrierevent", url],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        ).stdout
        events = {(int(line.split("|")[0]), line.split("|")[1]) for line in out.split()}
        assert events == stored["events"]
        _check_media(media, stored["attachments"])
    finally:
        subprocess.run([pg_tool("psql"), "-c", f'DROP DATABASE IF EXISTS "{fresh_name}"', admin_url], env=env)
