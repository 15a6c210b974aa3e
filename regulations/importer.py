"""Import of the statute corpus (JSON Lines, optionally gzip) and its search index.

Three steps, each idempotent:

1. ``validate_corpus`` streams the file once and checks every line (JSON, field types, dates,
   duplicate ids and article numbers, a truncated gzip). Nothing is written; the first problem
   stops the run with its line number, so a bad file never touches the previous import.
2. ``import_statutes`` streams it again and writes in ONE transaction: statutes are created or
   updated by ``law_id``, articles by (statute, number) so their ids stay stable for the barriers
   that cite them; unchanged statutes (same content hash) are skipped. Memory stays bounded: one
   statute's lines at a time plus the set of ids seen.
3. ``index_articles`` analyses the articles whose text changed since they were last analysed
   (kiwipiepy, the slow part), batch by batch, each batch committed; an interrupted run resumes.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import re
import zlib
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from agencies.models import Agency
from agencies.selectors import agency_by_name
from core.errors import ValidationFailed
from core.text import normalize_text
from firms.models import Sector
from regulations.models import Article, SearchTerm, Statute, StatuteKind, StatuteRole
from regulations.search import schema
from regulations.search.analysis import token_ids, token_strings
from regulations.search.backend import encode_postings, rebuild_statute_index
from regulations.search.corpus import DOCS_KEY, TOKENS_KEY, forget_corpus
from regulations.search.names import NameTable, forget_names

Progress = Callable[[int], None]

# The corpus's sector field → Haechi sector codes (drones fly under mobility; sandbox_general and
# the SME laws concern every sector and get none).
CORPUS_SECTORS: dict[str, str] = {
    "fintech": "fintech",
    "mobility": "mobility",
    "drones": "mobility",
    "robots": "robots",
    "ai_data_privacy": "ai",
    "bio_health": "biohealth",
}


class ImportFailed(ValidationFailed):
    """The corpus file is unusable; ``line`` says where (1-based), nothing was written."""

    code = "import_failed"

    def __init__(self, message: str, *, line: int | None = None) -> None:
        where = _("%(line)s번째 줄: ") % {"line": line} if line else ""
        super().__init__(where + message)
        self.line = line


@dataclass
class ArticleRecord:
    number: str
    title: str
    chapter: str
    text: str


@dataclass
class StatuteRecord:
    line: int
    law_id: str
    mst: int
    name: str
    kind: str
    kind_detail: str
    role: str | None
    parent_law_id: str | None
    ministry: str
    promulgated_on: dt.date | None
    promulgation_no: str
    effective_on: dt.date | None
    revision: str
    source_url: str
    pending: dict[str, Any] | None
    annexes: list[dict[str, Any]]
    sector: str
    articles: list[ArticleRecord]
    content_hash: str


@dataclass
class ImportReport:
    lines: int = 0
    statutes_created: int = 0
    statutes_updated: int = 0
    statutes_skipped: int = 0
    articles_created: int = 0
    articles_updated: int = 0
    articles_deleted: int = 0
    unknown_ministries: Counter[str] = field(default_factory=Counter)


@dataclass
class IndexReport:
    articles: int = 0
    statutes: int = 0
    terms: int = 0
    token_ids: int = 0
    cited: int = 0


# -- reading and validation ----------------------------------------------------------------------


def _open(path: Path) -> Any:
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open("r", encoding="utf-8")


def _str(data: dict[str, Any], key: str, line: int, *, required: bool = False, max_length: int = 500) -> str:
    value = data.get(key)
    if value is None:
        if required:
            raise ImportFailed(_("필수 항목 '%(key)s'가 없습니다.") % {"key": key}, line=line)
        return ""
    if not isinstance(value, str):
        raise ImportFailed(_("'%(key)s'는 문자열이어야 합니다.") % {"key": key}, line=line)
    value = normalize_text(value)
    if required and not value:
        raise ImportFailed(_("'%(key)s'가 비어 있습니다.") % {"key": key}, line=line)
    if len(value) > max_length:
        raise ImportFailed(_("'%(key)s'가 너무 깁니다.") % {"key": key}, line=line)
    return value


def _date(data: dict[str, Any], key: str, line: int) -> dt.date | None:
    value = _str(data, key, line, max_length=10)
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ImportFailed(
            _("'%(key)s' 날짜 형식이 올바르지 않습니다: %(v)s") % {"key": key, "v": value}, line=line
        ) from None


def parse_line(raw: str, line: int) -> StatuteRecord:
    """One corpus line → a checked record; ``ImportFailed`` names the line and the problem."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ImportFailed(_("JSON 형식이 아닙니다 (%(err)s).") % {"err": exc.msg}, line=line) from None
    if not isinstance(data, dict):
        raise ImportFailed(_("한 줄은 JSON 객체여야 합니다."), line=line)
    law_id = _str(data, "law_id", line, required=True, max_length=12)
    if not law_id.isdigit():
        raise ImportFailed(_("law_id는 숫자 문자열이어야 합니다: %(v)s") % {"v": law_id}, line=line)
    mst = data.get("mst", 0)
    if isinstance(mst, bool) or not isinstance(mst, int) or mst < 0:
        raise ImportFailed(_("'mst'는 0 이상의 정수여야 합니다."), line=line)
    kind = _str(data, "kind", line, required=True, max_length=20)
    if kind not in StatuteKind.values:
        raise ImportFailed(_("알 수 없는 법령구분입니다: %(v)s") % {"v": kind}, line=line)
    role = _str(data, "role", line, max_length=10) or None
    if role is not None and role not in StatuteRole.values:
        raise ImportFailed(_("알 수 없는 역할입니다: %(v)s") % {"v": role}, line=line)
    ministries = data.get("ministries") or []
    if not isinstance(ministries, list) or not all(isinstance(m, str) for m in ministries):
        raise ImportFailed(_("'ministries'는 문자열 목록이어야 합니다."), line=line)
    articles_raw = data.get("articles")
    if not isinstance(articles_raw, list):
        raise ImportFailed(_("'articles'는 목록이어야 합니다."), line=line)
    articles: list[ArticleRecord] = []
    numbers: set[str] = set()
    for index, item in enumerate(articles_raw, start=1):
        if not isinstance(item, dict):
            raise ImportFailed(_("%(i)s번째 조문이 객체가 아닙니다.") % {"i": index}, line=line)
        number = _str(item, "no", line, required=True, max_length=40)
        if number in numbers:
            raise ImportFailed(_("조문번호가 중복됩니다: %(v)s") % {"v": number}, line=line)
        numbers.add(number)
        text = item.get("text")
        if not isinstance(text, str):
            raise ImportFailed(_("%(no)s의 'text'는 문자열이어야 합니다.") % {"no": number}, line=line)
        articles.append(
            ArticleRecord(
                number=number,
                title=_str(item, "title", line),
                chapter=_str(item, "chapter", line),
                text=normalize_text(text),
            )
        )
    pending = data.get("pending")
    annexes = data.get("annexes") or []
    if pending is not None and not isinstance(pending, dict):
        raise ImportFailed(_("'pending'은 객체여야 합니다."), line=line)
    if not isinstance(annexes, list):
        raise ImportFailed(_("'annexes'는 목록이어야 합니다."), line=line)
    return StatuteRecord(
        line=line,
        law_id=law_id,
        mst=mst,
        name=_str(data, "name", line, required=True, max_length=300),
        kind=kind,
        kind_detail=_str(data, "kind_detail", line, max_length=60),
        role=role,
        parent_law_id=_str(data, "parent_law_id", line, max_length=12) or None,
        ministry=normalize_text(ministries[0]) if ministries else "",
        promulgated_on=_date(data, "promulgated", line),
        promulgation_no=_str(data, "promulgation_no", line, max_length=40),
        effective_on=_date(data, "effective", line),
        revision=_str(data, "revision", line, max_length=20),
        source_url=_str(data, "source_url", line),
        pending=pending,
        annexes=[a for a in annexes if isinstance(a, dict)],
        sector=_str(data, "sector", line, max_length=30),
        articles=articles,
        content_hash=hashlib.sha256(raw.strip().encode("utf-8")).hexdigest(),
    )


def read_corpus(path: Path) -> Iterator[StatuteRecord]:
    """Checked records, one per line; raises ``ImportFailed`` at the first bad line."""
    if not path.exists():
        raise ImportFailed(_("파일이 없습니다: %(p)s") % {"p": path})
    seen: set[str] = set()
    line = 0
    try:
        with _open(path) as handle:
            for line, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                record = parse_line(raw, line)
                if record.law_id in seen:
                    raise ImportFailed(_("law_id가 중복됩니다: %(v)s") % {"v": record.law_id}, line=line)
                seen.add(record.law_id)
                yield record
    except (EOFError, OSError, zlib.error) as exc:
        raise ImportFailed(
            _("파일을 끝까지 읽을 수 없습니다(압축 파일이 잘렸거나 손상됨): %(err)s") % {"err": exc}, line=line + 1
        ) from None
    except UnicodeDecodeError:
        raise ImportFailed(_("UTF-8 텍스트가 아닙니다."), line=line + 1) from None


def validate_corpus(path: Path, *, progress: Progress | None = None) -> int:
    """Read the whole file without writing; returns the number of statutes."""
    count = 0
    for _record in read_corpus(path):
        count += 1
        if progress:
            progress(1)
    if count == 0:
        raise ImportFailed(_("법령이 한 건도 없습니다."))
    return count


# -- writing -------------------------------------------------------------------------------------


def _text_hash(title: str, text: str) -> str:
    return hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()


class _AgencyCache:
    def __init__(self) -> None:
        self._cache: dict[str, Agency | None] = {}

    def get(self, name: str) -> Agency | None:
        if not name:
            return None
        if name not in self._cache:
            self._cache[name] = agency_by_name(name)
        return self._cache[name]


def _write_statute(
    record: StatuteRecord, agencies: _AgencyCache, sectors: dict[str, Sector], report: ImportReport
) -> None:
    existing = Statute.objects.filter(pk=record.law_id).only("law_id", "content_hash").first()
    if existing is not None and existing.content_hash == record.content_hash:
        report.statutes_skipped += 1
        return
    agency = agencies.get(record.ministry)
    if record.ministry and agency is None:
        report.unknown_ministries[record.ministry] += 1
    values: dict[str, Any] = {
        "mst": record.mst,
        "name": record.name,
        "kind": record.kind,
        "kind_detail": record.kind_detail,
        "role": record.role,
        "agency": agency,
        "ministry_name": record.ministry,
        "promulgated_on": record.promulgated_on,
        "promulgation_no": record.promulgation_no,
        "effective_on": record.effective_on,
        "revision": record.revision,
        "source_url": record.source_url,
        "pending": record.pending,
        "annexes": record.annexes,
        "article_count": len(record.articles),
        "content_hash": record.content_hash,
    }
    if record.sector:  # the full corpus has no sector field: never clear what the subset set
        values["corpus_sector"] = record.sector
    statute, created = Statute.objects.update_or_create(law_id=record.law_id, defaults=values)
    if created:
        report.statutes_created += 1
    else:
        report.statutes_updated += 1
    sector = sectors.get(CORPUS_SECTORS.get(record.sector, ""))
    if sector is not None:
        statute.sectors.add(sector)
    _sync_articles(statute, record.articles, report)


def _sync_articles(statute: Statute, records: list[ArticleRecord], report: ImportReport) -> None:
    """Update articles in place by number (ids stay stable), create new ones, delete vanished ones."""
    current = {
        a.number: a
        for a in Article.objects.filter(statute=statute).only(
            "id", "number", "text_hash", "position", "chapter", "title"
        )
    }
    create: list[Article] = []
    update: list[Article] = []
    for position, item in enumerate(records):
        text_hash = _text_hash(item.title, item.text)
        article = current.pop(item.number, None)
        if article is None:
            create.append(
                Article(
                    statute=statute,
                    number=item.number,
                    title=item.title,
                    chapter=item.chapter,
                    text=item.text,
                    position=position,
                    text_hash=text_hash,
                )
            )
        elif (article.text_hash, article.position, article.chapter) != (text_hash, position, item.chapter):
            article.title, article.chapter, article.text = item.title, item.chapter, item.text
            article.position, article.text_hash = position, text_hash
            update.append(article)
    if current:
        Article.objects.filter(pk__in=[a.pk for a in current.values()]).delete()
        report.articles_deleted += len(current)
    Article.objects.bulk_create(create, batch_size=500)
    Article.objects.bulk_update(update, ["title", "chapter", "text", "position", "text_hash"], batch_size=200)
    report.articles_created += len(create)
    report.articles_updated += len(update)


def import_statutes(*, path: Path, progress: Progress | None = None, validated: bool = False) -> ImportReport:
    """Validate, then write the whole file in one transaction (all or nothing)."""
    if not validated:
        validate_corpus(path)
    report = ImportReport()
    agencies = _AgencyCache()
    sectors = {s.code: s for s in Sector.objects.all()}
    parents: dict[str, str] = {}
    with transaction.atomic():
        for record in read_corpus(path):
            report.lines += 1
            _write_statute(record, agencies, sectors, report)
            if record.parent_law_id:
                parents[record.law_id] = record.parent_law_id
            if progress:
                progress(1)
        known = set(Statute.objects.filter(pk__in=set(parents.values())).values_list("pk", flat=True))
        for law_id, parent_id in parents.items():
            Statute.objects.filter(pk=law_id).update(parent_id=parent_id if parent_id in known else None)
        _refresh_agency_counts()
        forget_corpus()  # articles were added or deleted
    return report


def _refresh_agency_counts() -> None:
    """Agencies' statute counts as imported (the directory shows them)."""
    counts = Counter(Statute.objects.exclude(agency=None).values_list("agency_id", flat=True))
    for agency in Agency.objects.filter(pk__in=counts):
        if agency.statute_count != counts[agency.pk]:
            Agency.objects.filter(pk=agency.pk).update(statute_count=counts[agency.pk])


# -- versions promulgated but not yet in force ---------------------------------------------------


@dataclass
class PendingReport:
    attached: int = 0
    unchanged: int = 0
    missing: int = 0  # pending versions of statutes not imported (e.g. outside the sector subset)


def import_pending(*, path: Path) -> PendingReport:
    """Attach the versions promulgated but not yet in force (``statutes-pending.jsonl.gz``).

    For each statute in force, ``Statute.pending`` gains ``articles``: the articles the new version
    adds, changes or deletes ({no, title, text, change}), so a passport can show what is coming
    and when. The file is validated first and written in one transaction; re-running is a no-op.
    """
    validate_corpus(path)
    report = PendingReport()
    with transaction.atomic():
        for record in read_corpus(path):
            statute = Statute.objects.filter(pk=record.law_id).only("law_id", "pending").first()
            if statute is None:
                report.missing += 1
                continue
            rows = Article.objects.filter(statute=statute).values_list("number", "title", "text")
            current = {number: (title, text) for number, title, text in rows}
            changes: list[dict[str, str]] = []
            for item in record.articles:
                before = current.pop(item.number, None)
                if before != (item.title, item.text):
                    change = "new" if before is None else "changed"
                    changes.append({"no": item.number, "title": item.title, "text": item.text, "change": change})
            for number, (title, text) in current.items():
                if not text.startswith("삭제"):
                    changes.append({"no": number, "title": title, "text": "", "change": "deleted"})
            pending = dict(statute.pending or {})
            pending.update(
                {
                    "mst": record.mst,
                    "promulgated": record.promulgated_on.isoformat() if record.promulgated_on else "",
                    "promulgation_no": record.promulgation_no,
                    "effective": record.effective_on.isoformat() if record.effective_on else "",
                    "revision": record.revision,
                    "articles": changes,
                }
            )
            if pending == statute.pending:
                report.unchanged += 1
                continue
            Statute.objects.filter(pk=statute.pk).update(pending=pending)
            report.attached += 1
    return report


# -- indexing ------------------------------------------------------------------------------------


def articles_to_index() -> int:
    """How many articles wait for (re-)analysis."""
    return Article.objects.exclude(tokens_hash=F("text_hash")).count()


# Above this many articles to analyse, the full-text index is dropped during the load and rebuilt
# once at the end (one sorted build instead of a row-by-row update per article).
BULK_INDEX_THRESHOLD = 20_000


def index_articles(*, batch_size: int = 2000, progress: Progress | None = None) -> IndexReport:
    """Analyse every article whose text changed since its last analysis; refresh term statistics.

    Each batch is analysed in one kiwipiepy call (new words only, see ``search.analysis``) and
    written with one ``executemany`` in its own transaction, so an interrupted run resumes where
    it stopped. Large loads suspend the article full-text index and rebuild it at the end.
    """
    report = IndexReport()
    bulk = articles_to_index() > BULK_INDEX_THRESHOLD
    stale = schema.index_is_suspended(connection)  # a previous bulk run stopped before rebuilding
    if bulk:
        schema.suspend_article_index(connection)
    else:
        schema.install(connection)  # a table rebuild by a later migration would have dropped the triggers
    table = Article._meta.db_table
    update = f"UPDATE {table} SET tokens = %s, title_tokens = %s, tokens_hash = %s, token_ids = %s WHERE id = %s"
    last_id = 0
    while True:
        batch = list(
            Article.objects.exclude(tokens_hash=F("text_hash"))
            .filter(pk__gt=last_id)
            .order_by("pk")
            .values_list("id", "title", "text", "text_hash")[:batch_size]
        )
        if not batch:
            break
        last_id = batch[-1][0]
        titles = token_strings([title for _pk, title, _text, _hash in batch])
        texts = token_strings([text for _pk, _title, text, _hash in batch])
        rows = [
            (tokens, title_tokens, text_hash, token_ids(tokens), pk)
            for (pk, _title, _text, text_hash), title_tokens, text_tokens in zip(batch, titles, texts, strict=True)
            for tokens in [f"{title_tokens} {text_tokens}".strip()]
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(update, rows)
        report.articles += len(batch)
        if progress:
            progress(len(batch))
    if bulk or stale:
        schema.resume_article_index(connection)
    report.token_ids = fill_token_ids(batch_size=batch_size)
    report.statutes = index_statute_names()
    report.terms = rebuild_term_stats()
    report.cited = count_citations()
    return report


def fill_token_ids(*, batch_size: int = 2000) -> int:
    """Give token ids to articles analysed before ``Article.token_ids`` existed (ranking counts
    terms in them); one transaction per batch, so an interrupted run resumes."""
    table = Article._meta.db_table
    update = f"UPDATE {table} SET token_ids = %s WHERE id = %s"
    filled = 0
    last_id = 0
    while True:
        batch = list(
            Article.objects.filter(token_ids__isnull=True, pk__gt=last_id)
            .exclude(tokens_hash="")
            .order_by("pk")
            .values_list("id", "tokens")[:batch_size]
        )
        if not batch:
            return filled
        last_id = batch[-1][0]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(update, [(token_ids(tokens), pk) for pk, tokens in batch])
        filled += len(batch)


_CITATION_RE = re.compile("「([^「」]{2,120})」")


def count_citations() -> int:
    """``Statute.cited_by``: how many other statutes cite each one by name (「…」, names and
    aliases) in their articles. A statute's own decrees and rules count (they cite their act),
    the statute itself does not. Returns how many statutes changed."""
    table = NameTable.load()
    resolved: dict[str, str | None] = {}
    citing: dict[str, set[str]] = {}
    rows = Article.objects.filter(text__contains="「").values_list("statute_id", "text")
    for statute_id, text in rows.iterator(chunk_size=2000):
        for name in set(_CITATION_RE.findall(text)):
            if name not in resolved:
                resolved[name] = table.lookup(name)
            law_id = resolved[name]
            if law_id is not None and law_id != statute_id:
                citing.setdefault(law_id, set()).add(statute_id)
    changed = [
        statute
        for statute in Statute.objects.only("law_id", "cited_by")
        if statute.cited_by != len(citing.get(statute.law_id, ()))
    ]
    for statute in changed:
        statute.cited_by = len(citing.get(statute.law_id, ()))
    with transaction.atomic():
        Statute.objects.bulk_update(changed, ["cited_by"], batch_size=500)
        forget_names()  # the name table carries ``cited_by`` for ranking
    return len(changed)


def index_statute_names() -> int:
    """Analyse statute names plus aliases into ``name_tokens`` and refill the name index."""
    aliases: dict[str, list[str]] = {}
    for law_id, name in Statute.objects.filter(aliases__isnull=False).values_list("law_id", "aliases__name"):
        aliases.setdefault(law_id, []).append(name)
    statutes = list(Statute.objects.only("law_id", "name", "name_tokens"))
    analysed = token_strings([" ".join([s.name, *aliases.get(s.law_id, [])]) for s in statutes])
    changed: list[Statute] = []
    for statute, tokens in zip(statutes, analysed, strict=True):
        if tokens != statute.name_tokens:
            statute.name_tokens = tokens
            changed.append(statute)
    with transaction.atomic():
        Statute.objects.bulk_update(changed, ["name_tokens"], batch_size=500)
        rebuild_statute_index()
    return len(changed)


def rebuild_term_stats() -> int:
    """Document frequency and postings (the ids of the articles containing it) of every article
    token (streamed), plus document and token totals."""
    postings: defaultdict[str, array[int]] = defaultdict(lambda: array("q"))  # 8 bytes an id, not a list's 36
    docs = 0
    total = 0
    articles = Article.objects.order_by("pk").values_list("pk", "tokens")
    for pk, tokens in articles.iterator(chunk_size=2000):
        words = tokens.split()
        docs += 1
        total += len(words)
        for word in set(words):
            postings[word].append(pk)
    with transaction.atomic():
        SearchTerm.objects.all().delete()
        rows = [SearchTerm(token=t[:100], df=len(ids), article_ids=encode_postings(ids)) for t, ids in postings.items()]
        rows += [SearchTerm(token=DOCS_KEY, df=docs), SearchTerm(token=TOKENS_KEY, df=total)]
        SearchTerm.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
        forget_corpus()  # every process's term statistics and article → statute table
    return len(postings)
