"""The regulation knowledge base: statutes, their articles and aliases, sector core regulations
and the regulatory sandbox (규제샌드박스) pathways and tracks.

Statutes come from the real corpus (``../shared/data/statutes.jsonl.gz``) through
``regulations.importer``; the search index holds kiwipiepy tokens produced by
``core.korean.content_morphemes`` (see ``regulations.search``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class StatuteKind(models.TextChoices):
    """법령구분 as grouped by the corpus."""

    CONSTITUTION = "헌법", _("헌법")
    ACT = "법률", _("법률")
    PRESIDENTIAL = "대통령령", _("대통령령")
    PRIME_MINISTER = "총리령", _("총리령")
    MINISTRY = "부령", _("부령")
    SUPREME_COURT = "대법원규칙", _("대법원규칙")
    ASSEMBLY = "국회규칙", _("국회규칙")
    CONSTITUTIONAL_COURT = "헌법재판소규칙", _("헌법재판소규칙")
    NEC = "중앙선거관리위원회규칙", _("중앙선거관리위원회규칙")
    ELECTION = "선거관리위원회규칙", _("선거관리위원회규칙")
    AUDIT = "감사원규칙", _("감사원규칙")
    OTHER = "기타", _("기타")


class StatuteRole(models.TextChoices):
    DECREE = "시행령", _("시행령")
    RULE = "시행규칙", _("시행규칙")


# Search ranks acts above decrees above rules when everything else is equal.
KIND_WEIGHT: dict[str, int] = {
    StatuteKind.CONSTITUTION: 0,
    StatuteKind.ACT: 1,
    StatuteKind.PRESIDENTIAL: 2,
    StatuteKind.PRIME_MINISTER: 3,
    StatuteKind.MINISTRY: 3,
}


class Statute(TimeStampedModel):
    """A statute in force (법령), identified by the corpus's zero-padded 법령ID."""

    law_id = models.CharField(_("법령ID"), max_length=12, primary_key=True)
    mst = models.PositiveIntegerField(_("법령일련번호"), default=0)
    name = models.CharField(_("법령명"), max_length=300, db_index=True)
    kind = models.CharField(_("법령구분"), max_length=20, choices=StatuteKind.choices, db_index=True)
    kind_detail = models.CharField(_("법령구분 상세"), max_length=60, blank=True)
    role = models.CharField(_("역할"), max_length=10, choices=StatuteRole.choices, null=True, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("모법"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        db_constraint=False,  # a decree may be imported before its act; the link is filled later
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("소관부처"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="statutes",
    )
    ministry_name = models.CharField(_("소관부처명(원문)"), max_length=120, blank=True)
    promulgated_on = models.DateField(_("공포일자"), null=True, blank=True)
    promulgation_no = models.CharField(_("공포번호"), max_length=40, blank=True)
    effective_on = models.DateField(_("시행일자"), null=True, blank=True)
    revision = models.CharField(_("제개정구분"), max_length=20, blank=True)
    source_url = models.URLField(_("출처"), max_length=500, blank=True)
    pending = models.JSONField(_("시행 예정 개정"), null=True, blank=True)
    annexes = models.JSONField(_("별표·서식"), default=list, blank=True)
    corpus_sector = models.CharField(_("말뭉치 분야"), max_length=30, blank=True)
    sectors = models.ManyToManyField("firms.Sector", verbose_name=_("관련 분야"), blank=True, related_name="statutes")
    article_count = models.PositiveIntegerField(_("조문 수"), default=0)
    content_hash = models.CharField(_("내용 해시"), max_length=64, blank=True, editable=False)
    # kiwipiepy tokens of the name and every alias, space separated (the name index source).
    name_tokens = models.TextField(_("이름 형태소"), blank=True, editable=False)
    # How many other statutes cite this one by name (「개인정보 보호법」) in their articles: the
    # general laws every sector runs into. Search ranking uses it as a prior.
    cited_by = models.PositiveIntegerField(_("인용 법령 수"), default=0, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("법령")
        verbose_name_plural = _("법령")

    def __str__(self) -> str:
        return self.name


class StatuteAlias(models.Model):
    """An abbreviation firms use for a statute (약칭): 자본시장법, 개인정보법, 자율주행법 …"""

    class Source(models.TextChoices):
        RULE = "rule", _("규칙으로 생성")
        CURATED = "curated", _("큐레이션 파일")
        ADMIN = "admin", _("관리자 입력")

    statute = models.ForeignKey(Statute, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(_("약칭"), max_length=200, unique=True)
    source = models.CharField(_("출처"), max_length=10, choices=Source.choices, default=Source.ADMIN)

    class Meta:
        ordering = ["name"]
        verbose_name = _("법령 약칭")
        verbose_name_plural = _("법령 약칭")

    def __str__(self) -> str:
        return f"{self.name} → {self.statute.name}"


class Article(models.Model):
    """One article (조문) of a statute, numbered as written (제13조의2), paragraphs one a line."""

    statute = models.ForeignKey(Statute, on_delete=models.CASCADE, related_name="articles")
    number = models.CharField(_("조문번호"), max_length=40)
    title = models.CharField(_("조문제목"), max_length=500, blank=True)
    chapter = models.CharField(_("편장절"), max_length=500, blank=True)
    text = models.TextField(_("조문 내용"))
    position = models.PositiveIntegerField(_("순서"), default=0)
    text_hash = models.CharField(max_length=64, blank=True, editable=False)
    # kiwipiepy tokens of title + text; ``tokens_hash`` equals ``text_hash`` once indexed.
    tokens = models.TextField(_("형태소"), blank=True, editable=False)
    tokens_hash = models.CharField(max_length=64, blank=True, editable=False)
    title_tokens = models.TextField(_("제목 형태소"), blank=True, editable=False)
    # ``tokens`` as 32-bit token ids (``search.analysis.token_ids``): ranking counts query terms
    # in candidates without splitting their text. NULL until indexed (ranking falls back to text).
    token_ids = models.BinaryField(_("형태소 번호"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["statute", "position"]
        verbose_name = _("조문")
        verbose_name_plural = _("조문")
        constraints = [
            models.UniqueConstraint(fields=["statute", "number"], name="regulations_article_unique_number"),
        ]
        indexes = [models.Index(fields=["statute", "position"], name="regulations_article_pos")]

    def __str__(self) -> str:
        return f"{self.statute.name} {self.number}"

    @property
    def label(self) -> str:
        """제13조의2(제목) as printed in statute books."""
        return f"{self.number}({self.title})" if self.title else self.number

    @property
    def is_deleted(self) -> bool:
        return self.text.startswith("삭제")

    @property
    def paragraphs(self) -> list[str]:
        return [line for line in self.text.splitlines() if line.strip()]


class SearchTerm(models.Model):
    """Document frequency of one index token over the articles (for query term weighting), and
    the articles containing it (candidate retrieval on PostgreSQL)."""

    token = models.CharField(max_length=100, primary_key=True)
    df = models.PositiveIntegerField(default=0)
    # Ids of the articles containing the token, ascending, as little-endian int64
    # (``search.backend.POSTING_DTYPE``): PostgreSQL reads a query's candidates from a few of these
    # rows instead of visiting up to 20,000 article rows behind the GIN index. NULL for the
    # document and token totals, and for statistics built before this column existed.
    article_ids = models.BinaryField(_("포함 조문"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("검색어 통계")
        verbose_name_plural = _("검색어 통계")

    def __str__(self) -> str:
        return f"{self.token} ({self.df})"


class CoreRegulation(TimeStampedModel):
    """A statute (or one article) that matters most to a sector (분야별 핵심 규제). Curated in admin."""

    sector = models.ForeignKey("firms.Sector", on_delete=models.CASCADE, related_name="core_regulations")
    statute = models.ForeignKey(Statute, on_delete=models.CASCADE, related_name="core_regulations")
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="core_regulations"
    )
    summary = models.TextField(_("쟁점 요약"), blank=True)
    mentions = models.PositiveIntegerField(
        _("건의 인용 수"), default=0, help_text=_("개발용 건의 자료에서 인용된 횟수")
    )
    ordering = models.PositiveIntegerField(_("순서"), default=0)
    is_published = models.BooleanField(_("공개"), default=True)

    class Meta:
        ordering = ["sector", "ordering", "-mentions"]
        verbose_name = _("분야별 핵심 규제")
        verbose_name_plural = _("분야별 핵심 규제")
        constraints = [
            models.UniqueConstraint(fields=["sector", "statute", "article"], name="regulations_core_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.sector} · {self.article or self.statute}"


class SandboxPathway(models.Model):
    """A sandbox pathway: 규제 신속확인, 실증특례, 임시허가 (and 혁신금융서비스 지정 in finance)."""

    code = models.SlugField(_("코드"), max_length=40, unique=True)
    name = models.CharField(_("이름"), max_length=60)
    summary = models.TextField(_("설명"))
    when_to_use = models.TextField(_("이용 요건"))
    duration = models.CharField(_("기간"), max_length=200)
    extension = models.CharField(_("연장"), max_length=300, blank=True)
    ordering = models.PositiveSmallIntegerField(_("순서"), default=0)

    class Meta:
        ordering = ["ordering", "code"]
        verbose_name = _("샌드박스 제도")
        verbose_name_plural = _("샌드박스 제도")

    def __str__(self) -> str:
        return self.name


class SandboxTrack(models.Model):
    """A sandbox track run by one ministry under one act (ICT 융합, 산업융합, 금융, 규제자유특구 …)."""

    code = models.SlugField(_("코드"), max_length=40, unique=True)
    name = models.CharField(_("이름"), max_length=80)
    ministry_name = models.CharField(_("주관부처"), max_length=80)
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.SET_NULL, related_name="sandbox_tracks"
    )
    statute_name = models.CharField(_("근거 법률"), max_length=200)
    statute = models.ForeignKey(
        Statute, null=True, blank=True, on_delete=models.SET_NULL, related_name="sandbox_tracks"
    )
    scope = models.TextField(_("대상"))
    keywords = models.JSONField(_("판단 키워드"), default=list, blank=True)
    sectors = models.ManyToManyField("firms.Sector", verbose_name=_("관련 분야"), blank=True)
    excludes_capital_region = models.BooleanField(_("수도권 제외"), default=False)
    requires_zone = models.CharField(_("필요 구역"), max_length=100, blank=True)
    url = models.URLField(_("안내 사이트"), blank=True)
    ordering = models.PositiveSmallIntegerField(_("순서"), default=0)

    class Meta:
        ordering = ["ordering", "code"]
        verbose_name = _("샌드박스 트랙")
        verbose_name_plural = _("샌드박스 트랙")

    def __str__(self) -> str:
        return self.name


class SandboxProvision(models.Model):
    """Where a track's act provides one pathway: the article, the answer period and the validity."""

    track = models.ForeignKey(SandboxTrack, on_delete=models.CASCADE, related_name="provisions")
    pathway = models.ForeignKey(SandboxPathway, on_delete=models.CASCADE, related_name="provisions")
    article_number = models.CharField(_("조문"), max_length=40)
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    validity = models.CharField(_("유효기간"), max_length=300, blank=True)
    note = models.TextField(_("비고"), blank=True)

    class Meta:
        ordering = ["track", "pathway"]
        verbose_name = _("샌드박스 근거 조문")
        verbose_name_plural = _("샌드박스 근거 조문")
        constraints = [models.UniqueConstraint(fields=["track", "pathway"], name="regulations_provision_unique")]

    def __str__(self) -> str:
        return f"{self.track} · {self.pathway} ({self.article_number})"
