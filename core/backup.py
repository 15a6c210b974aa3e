"""Backups of the database and the attachments, as one archive (``manage.py backup`` / ``restore``).

The archive is a gzip'd tar holding:

- ``manifest.json``: when, from which database engine, row counts of the key tables, the SHA-256
  of every member, and the latest applied migration per app;
- ``database.sqlite3`` — SQLite's online backup API (a consistent copy while Haechi runs), or
  ``database.pgdump`` — ``pg_dump --format=custom`` (one consistent snapshot, restorable with
  ``pg_restore`` into an empty database, in parallel with ``-j``);
- ``media/…``: ``MEDIA_ROOT`` (attachments).

Order matters: the database is copied first, then the files. Attachment files are written before
their row commits, so every file the copied database names is already on disk when the files are
copied; files newer than the database copy are harmless (``apply_retention`` sweeps orphans).

Restore refuses a target database that already holds barriers unless told ``force``; it checks
every member's SHA-256 against the manifest first, never extracts outside ``MEDIA_ROOT`` and
compares the restored row counts with the manifest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connections

FORMAT = "haechi-backup/1"
COUNTED_TABLES = (
    "accounts_user",
    "firms_firm",
    "barriers_barrier",
    "barriers_barrierevent",
    "barriers_attachment",
    "barriers_barrieranswer",
    "surveys_response",
)


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def pg_tool(name: str) -> str:
    """``pg_dump`` / ``pg_restore``: ``HAECHI_PG_BIN`` if set, else PATH, else the newest Debian one."""
    configured = os.environ.get("HAECHI_PG_BIN")
    if configured:
        return str(Path(configured) / name)
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if versions:
        return str(versions[-1])
    raise BackupError(f"{name} not found: install the PostgreSQL client or set HAECHI_PG_BIN")


def pg_url(db: dict[str, Any]) -> str:
    """A libpq URL for a Django database settings dict (the password goes via PGPASSWORD)."""
    host = db.get("HOST") or "localhost"
    port = db.get("PORT") or 5432
    user = quote(db.get("USER") or "", safe="")
    return f"postgresql://{user}@{host}:{port}/{quote(db['NAME'], safe='')}"


def _pg_env(db: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _counts_sqlite(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in COUNTED_TABLES if t in present}


def _counts_connection(alias: str = "default") -> dict[str, int]:
    connection = connections[alias]
    present = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        counts = {}
        for table in COUNTED_TABLES:
            if table in present:
                cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
                counts[table] = cursor.fetchone()[0]
    return counts


def _latest_migrations(alias: str = "default") -> dict[str, str]:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        return {app: name for app, name in cursor.fetchall()}


@dataclass
class BackupResult:
    path: Path
    engine: str
    counts: dict[str, int]
    media_files: int
    size: int


def _add_media(archive: tarfile.TarFile, media_root: Path, hashes: dict[str, str]) -> int:
    count = 0
    if not media_root.exists():
        return 0
    for path in sorted(media_root.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        name = f"media/{path.relative_to(media_root).as_posix()}"
        hashes[name] = _sha256(path)
        archive.add(path, arcname=name, recursive=False)
        count += 1
    return count


def backup(target: Path, *, alias: str = "default", log: Callable[[str], None] = lambda _m: None) -> BackupResult:
    """Write the database and ``MEDIA_ROOT`` to the archive ``target`` (see the module docstring)."""
    connection = connections[alias]
    db = connection.settings_dict
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="haechi-backup-") as tmp:
        work = Path(tmp)
        if connection.vendor == "sqlite":
            dump = work / "database.sqlite3"
            connection.ensure_connection()
            destination = sqlite3.connect(dump)
            try:
                # The online backup API copies a consistent snapshot while others keep writing.
                connection.connection.backup(destination)
            finally:
                destination.close()
            counts = _counts_sqlite(dump)
        elif connection.vendor == "postgresql":
            dump = work / "database.pgdump"
            counts = _counts_connection(alias)
            command = [pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(dump), pg_url(db)]
            run = subprocess.run(command, env=_pg_env(db), capture_output=True, text=True, check=False)
            if run.returncode != 0:
                raise BackupError(f"pg_dump failed: {run.stderr.strip()}")
        else:
            raise BackupError(f"unsupported database engine: {connection.vendor}")
        log(f"database copied ({dump.stat().st_size:,} bytes)")
        hashes = {dump.name: _sha256(dump)}
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(dump, arcname=dump.name)
            media_files = _add_media(archive, Path(settings.MEDIA_ROOT), hashes)
            manifest = {
                "format": FORMAT,
                "created_at": dt.datetime.now(dt.UTC).isoformat(),
                "engine": connection.vendor,
                "database_member": dump.name,
                "counts": counts,
                "media_files": media_files,
                "sha256": hashes,
                "migrations": _latest_migrations(alias),
            }
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
            archive.addfile(info, io.BytesIO(data))
        partial.replace(target)  # a crash mid-way never leaves a truncated archive under the real name
    log(f"media copied ({media_files} files)")
    return BackupResult(target, connection.vendor, counts, media_files, target.stat().st_size)


def read_manifest(archive_path: Path) -> dict[str, Any]:
    try:
        with tarfile.open(archive_path, "r:*") as archive:
            member = archive.extractfile("manifest.json")
            if member is None:
                raise BackupError("manifest.json missing")
            manifest: dict[str, Any] = json.loads(member.read())
    except (OSError, tarfile.TarError, KeyError, ValueError) as exc:
        raise BackupError(f"not a Haechi backup: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts


@dataclass
class RestoreResult:
    engine: str
    counts: dict[str, int]
    media_files: int


def restore(
    archive_path: Path,
    *,
    to: str | None = None,
    media_root: Path | None = None,
    force: bool = False,
    alias: str = "default",
    log: Callable[[str], None] = lambda _m: None,
) -> RestoreResult:
    """Restore the archive into the configured database (or ``to``: a SQLite path or a
    ``postgres://`` URL) and ``MEDIA_ROOT`` (or ``media_root``)."""
    manifest = read_manifest(archive_path)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="haechi-restore-") as tmp:
        work = Path(tmp)
        with tarfile.open(archive_path, "r:*") as archive:
            for member in archive.getmembers():
                if not member.isfile() or not _safe_member(member.name):
                    raise BackupError(f"refusing archive member {member.name!r}")
            archive.extractall(work, filter="data")
        for name, digest in manifest["sha256"].items():
            if not _safe_member(name) or _sha256(work / name) != digest:
                raise BackupError(f"checksum mismatch for {name}: the archive is damaged")
        log("archive checked (every SHA-256 matches the manifest)")
        dump = work / manifest["database_member"]
        if manifest["engine"] == "sqlite":
            counts = _restore_sqlite(dump, to=to, force=force, alias=alias)
        elif manifest["engine"] == "postgresql":
            counts = _restore_postgres(dump, to=to, force=force, alias=alias)
        else:
            raise BackupError(f"unsupported engine in backup: {manifest['engine']}")
        log("database restored")
        media_root.mkdir(parents=True, exist_ok=True)
        restored_media = 0
        source_media = work / "media"
        if source_media.exists():
            for path in sorted(source_media.rglob("*")):
                if path.is_file():
                    destination = media_root / path.relative_to(source_media)
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, destination)
                    restored_media += 1
    expected = manifest["counts"]
    if any(counts.get(table) != n for table, n in expected.items()):
        raise BackupError(f"restored row counts differ from the backup: {counts} != {expected}")
    log(f"media restored ({restored_media} files)")
    return RestoreResult(manifest["engine"], counts, restored_media)


def _restore_sqlite(dump: Path, *, to: str | None, force: bool, alias: str) -> dict[str, int]:
    target = Path(to or connections[alias].settings_dict["NAME"])
    if target.exists() and target.stat().st_size > 0 and not force:
        try:
            existing = _counts_sqlite(target).get("barriers_barrier", 0)
        except sqlite3.DatabaseError:
            existing = 1
        if existing:
            raise BackupError(f"{target} already holds data: pass --force to overwrite it")
    if to is None:
        connections[alias].close()
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(dump)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)  # page by page, into the live file: readers never see half a file
    finally:
        destination.close()
        source.close()
    return _counts_sqlite(target)


def _restore_postgres(dump: Path, *, to: str | None, force: bool, alias: str) -> dict[str, int]:
    db = dict(connections[alias].settings_dict)
    url = to or pg_url(db)
    env = _pg_env(db) if to is None else dict(os.environ)
    probe = subprocess.run(
        [pg_tool("psql"), "-Atc", _COUNT_BARRIERS, url],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    has_data = probe.returncode == 0 and probe.stdout.strip() not in ("", "0")
    if has_data and not force:
        raise BackupError("the target database already holds barriers: pass --force to replace them")
    command = [pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "--dbname", url, str(dump)]
    if has_data:
        command[1:1] = ["--clean", "--if-exists"]
    run = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise BackupError(f"pg_restore failed: {run.stderr.strip()}")
    counts: dict[str, int] = {}
    for table in COUNTED_TABLES:
        result = subprocess.run(
            [pg_tool("psql"), "-Atc", f'SELECT COUNT(*) FROM "{table}"', url],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode == 0:
            counts[table] = int(result.stdout.strip())
    return counts


_COUNT_BARRIERS = (
    "SELECT CASE WHEN to_regclass('barriers_barrier') IS NULL THEN 0 ELSE (SELECT COUNT(*) FROM barriers_barrier) END"
)
