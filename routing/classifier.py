"""The router: sector with calibrated probabilities, implied statutes, competent agencies with reasons.

Evidence, strongest first:

1. statutes the text names (:mod:`routing.references`), each carrying its competent ministry
   from the corpus (소관부처);
2. statutes the text implies: a learned text → statute model (one-vs-rest logistic regression on
   kiwipiepy content morphemes, trained on labelled barriers and confirmed routings) and the
   corpus article retriever (:mod:`routing.retrieval`), which also covers laws no label mentions;
3. agencies the text names (식약처, 금융위 …, with former names);
4. a text → agency classifier (labels only; it cannot name an agency it never saw).

Agency score = Σ over candidate statutes of statute score (to its ministry) + mention bonus +
classifier weight × classifier probability; every contribution is kept as a Korean reason.

Sector: logistic regression over morpheme TF-IDF plus "statute tokens" (the laws named or
retrieved and their sector in the sector subset), so a complaint about an unseen rule of a
known law still lands in the right sector. Its probabilities are what the bench calibrates.

Nothing here touches the database: ``Router`` is built by :func:`train_router` from
:class:`LabelledBarrier` items and persisted with joblib (``var/routing/router.joblib``).
"""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC

from core.text import normalize_text
from routing.references import ExtractionResult, extract_references
from routing.retrieval import ArticleRetriever
from routing.statute_index import StatuteIndex

SECTORS: tuple[str, ...] = ("fintech", "mobility", "robots", "ai", "biohealth", "other")
SECTOR_NAMES = {
    "fintech": "핀테크",
    "mobility": "모빌리티",
    "robots": "로봇",
    "ai": "AI",
    "biohealth": "바이오헬스",
    "other": "기타",
}
# Sector labels as they occur in data sets and in the corpus' sector subset.
_SECTOR_SYNONYMS = {
    "robot": "robots",
    "drones": "mobility",
    "ai_data_privacy": "ai",
    "bio_health": "biohealth",
    "sandbox_general": "",
}
MODEL_VERSION = 1
_REPO = Path(__file__).resolve().parent.parent


def normalize_sector(label: str) -> str:
    """A sector code of :data:`SECTORS` (``robot`` → ``robots``); unknown labels → ``other``."""
    code = _SECTOR_SYNONYMS.get(label, label)
    return code if code in SECTORS else "other"


# ---- inputs ------------------------------------------------------------------------------
@dataclass(frozen=True)
class LabelledBarrier:
    """One labelled complaint (barriers-dev.jsonl line, or a confirmed routing)."""

    id: str
    title: str
    text: str
    sector: str = "other"
    ministries: tuple[str, ...] = ()
    statutes: tuple[str, ...] = ()
    articles: tuple[str, ...] = ()
    cluster: str = ""
    explicit_citation: bool = False  # the text names a statute (labelled data only)

    @property
    def full_text(self) -> str:
        return f"{self.title}\n{self.text}" if self.title else self.text


def load_labelled(path: Path | str) -> list[LabelledBarrier]:
    """Read ``barriers-dev.jsonl``-shaped lines; a bad line raises ``ValueError`` with its number."""
    items = []
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: invalid JSON ({exc.msg})") from exc
            items.append(
                LabelledBarrier(
                    id=str(row.get("id", number)),
                    title=normalize_text(str(row.get("title") or "")),
                    text=normalize_text(str(row.get("text") or "")),
                    sector=normalize_sector(str(row.get("sector") or "other")),
                    ministries=tuple(row.get("ministries") or ()),
                    statutes=tuple(row.get("statutes") or ()),
                    articles=tuple(row.get("articles") or ()),
                    cluster=str(row.get("cluster") or ""),
                    explicit_citation=bool(row.get("explicit_citation")),
                )
            )
    return items


# ---- outputs -----------------------------------------------------------------------------
@dataclass
class StatuteSuggestion:
    law_id: str
    name: str
    score: float
    explicit: bool
    ministry: str
    articles: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


@dataclass
class AgencySuggestion:
    name: str
    score: float
    reasons: list[str] = field(default_factory=list)


@dataclass
class Routing:
    sector: str
    sector_scores: dict[str, float]
    agencies: list[AgencySuggestion]
    statutes: list[StatuteSuggestion]
    references: ExtractionResult
    candidates: list[str] = field(default_factory=list)  # every scored statute, best first (law ids)

    @property
    def articles(self) -> list[str]:
        return [f"{s.name} {a}" for s in self.statutes for a in s.articles]

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``route_batch`` and RoutingSuggestion.payload."""
        return {
            "sector": self.sector,
            "sector_scores": {k: round(v, 4) for k, v in self.sector_scores.items()},
            "ministries": [a.name for a in self.agencies],
            "agencies": [{"name": a.name, "score": round(a.score, 4), "reasons": a.reasons} for a in self.agencies],
            "statutes": [s.name for s in self.statutes],
            "statute_details": [
                {
                    "law_id": s.law_id,
                    "name": s.name,
                    "score": round(s.score, 4),
                    "explicit": s.explicit,
                    "ministry": s.ministry,
                    "articles": s.articles,
                    "reasons": s.reasons,
                }
                for s in self.statutes
            ],
            "articles": self.articles,
        }


# ---- agency names --------------------------------------------------------------------------
@dataclass
class AgencyNames:
    """Agency names and the other names firms write (식약처, 금융위, 기재부 → 재정경제부)."""

    canonical: dict[str, str]  # surface -> canonical name

    @classmethod
    def from_files(cls, *, curated: Path | None = None, ministries: Path | None = None) -> AgencyNames:
        curated = curated or _REPO / "agencies" / "data" / "curated.tsv"
        names: dict[str, str] = {}
        if ministries is not None and ministries.exists():
            for line in ministries.read_text(encoding="utf-8").splitlines()[1:]:
                name = line.split("\t")[0].strip()
                if name:
                    names[name] = name
        if curated.exists():
            for line in curated.read_text(encoding="utf-8").splitlines():
                if not line.strip() or line.startswith("#") or line.startswith("name\t"):
                    continue
                parts = line.split("\t")
                name = parts[0].strip()
                names[name] = name
                for alias in (parts[5] if len(parts) > 5 else "").split(";"):
                    alias = alias.strip().lstrip("~")
                    if len(alias) >= 2:
                        names[alias] = name
        return cls(canonical=names)

    def canonical_name(self, name: str) -> str:
        return self.canonical.get(name, name)

    def mentions(self, text: str) -> dict[str, str]:
        """Canonical agency → the surface form it was named by in ``text`` (longest first)."""
        found: dict[str, str] = {}
        taken: list[tuple[int, int]] = []
        for surface in sorted(self.canonical, key=len, reverse=True):
            start = text.find(surface)
            while start >= 0:
                end = start + len(surface)
                before = text[start - 1] if start else " "
                if not any(s < end and start < e for s, e in taken) and not re.match(r"[가-힣]", before):
                    taken.append((start, end))
                    found.setdefault(self.canonical[surface], surface)
                    break
                start = text.find(surface, start + 1)
        return found


# ---- the model -----------------------------------------------------------------------------
@dataclass
class RouterWeights:
    """How evidence adds up. Chosen a priori and checked by grouped cross-validation only."""

    explicit: float = 1.0  # a statute the text names
    learned: float = 1.0  # learned text → statute probability
    retrieved: float = 0.3  # corpus article similarity, relative to the best law for this text
    retrieved_top: int = 5  # laws kept from the retriever
    mention: float = 0.35  # an agency named in the text
    classifier: float = 0.6  # text → agency probability
    statute_threshold: float = 0.6  # implied statutes below this are not proposed
    max_statutes: int = 4
    sector_c: float = 0.5  # LinearSVC, sigmoid-calibrated on grouped inner folds
    statute_c: float = 8.0
    agency_c: float = 8.0


@dataclass
class Router:
    index: StatuteIndex
    retriever: ArticleRetriever | None
    agencies: AgencyNames
    law_sectors: dict[str, str]  # law_id -> sector code (from the corpus' sector subset)
    weights: RouterWeights = field(default_factory=RouterWeights)
    vectorizer: TfidfVectorizer | None = None
    sector_model: CalibratedClassifierCV | LogisticRegression | None = None
    statute_labels: MultiLabelBinarizer | None = None
    statute_models: list[LogisticRegression | float] = field(default_factory=list)
    agency_model: LogisticRegression | None = None
    statute_coef: np.ndarray | None = None  # labels x features, stacked one-vs-rest models
    statute_intercept: np.ndarray | None = None
    statute_constant: dict[int, float] = field(default_factory=dict)  # labels seen always/never
    version: int = MODEL_VERSION
    trained_on: int = 0

    # -- features ---------------------------------------------------------------------------
    def _analyse(self, texts: Sequence[str]) -> list[_Analysis]:
        from core.korean import content_morphemes

        clean = [normalize_text(t or "") for t in texts]
        analyses = [
            _Analysis(text=t, morphemes=content_morphemes(t), refs=extract_references(t, self.index)) for t in clean
        ]
        if self.retriever is not None and analyses:
            scores, best = self.retriever.law_scores(clean)
            for row, analysis in enumerate(analyses):
                order = np.argsort(-scores[row])[: self.weights.retrieved_top]
                top = float(scores[row, order[0]]) if len(order) else 0.0
                for j in order:
                    if scores[row, j] <= 0 or top <= 0:
                        continue
                    article = int(best[row, j])
                    analysis.retrieved.append(
                        (
                            self.retriever.law_ids[j],
                            float(scores[row, j]) / top,
                            self.retriever.article_numbers[article],
                            self.retriever.article_titles[article],
                        )
                    )
        return analyses

    def _tokens(self, analysis: _Analysis) -> str:
        tokens = list(analysis.morphemes)
        for law_id in analysis.refs.statute_ids():
            law = self.index.law_of(law_id)
            tokens.append(f"§e{law}")
            if self.law_sectors.get(law):
                tokens.append(f"§es_{self.law_sectors[law]}")
        for rank, (law_id, _score, _article, _title) in enumerate(analysis.retrieved[:3]):
            tokens.append(f"§r{law_id}")
            if rank == 0:
                tokens.append(f"§r1{law_id}")
            if self.law_sectors.get(law_id):
                tokens.append(f"§rs_{self.law_sectors[law_id]}")
        return " ".join(tokens)

    def _matrix(self, analyses: list[_Analysis]) -> sparse.csr_matrix:
        assert self.vectorizer is not None, "router is not trained"
        return self.vectorizer.transform([self._tokens(a) for a in analyses])

    # -- training ---------------------------------------------------------------------------
    def analyse(self, texts: Sequence[str]) -> list[_Analysis]:
        """The label-free reading of texts (morphemes, references, retrieval); reusable across fits."""
        return self._analyse(texts)

    def fit(self, items: Sequence[LabelledBarrier], *, analyses: list[_Analysis] | None = None) -> Router:
        """Train the three supervised parts on ``items`` (the corpus parts need no labels)."""
        if analyses is None:
            analyses = self._analyse([item.full_text for item in items])
        self.vectorizer = TfidfVectorizer(
            token_pattern=r"\S+", ngram_range=(1, 1), sublinear_tf=True, min_df=1, lowercase=False
        )
        features = self.vectorizer.fit_transform([self._tokens(a) for a in analyses])
        w = self.weights
        self.sector_model = _calibrated_sector_model(features, items, c=w.sector_c)
        primary = [self.agencies.canonical_name(i.ministries[0]) if i.ministries else "" for i in items]
        self.agency_model = LogisticRegression(C=w.agency_c, max_iter=3000).fit(features, primary)
        labels = [self._statute_ids(i.statutes) for i in items]
        self.statute_labels = MultiLabelBinarizer().fit(labels)
        target = self.statute_labels.transform(labels)
        self.statute_models = []
        for column in range(target.shape[1]):
            y = target[:, column]
            if y.min() == y.max():
                self.statute_models.append(float(y[0]))
            else:
                self.statute_models.append(
                    LogisticRegression(C=w.statute_c, max_iter=3000, class_weight="balanced").fit(features, y)
                )
        coef = np.zeros((len(self.statute_models), features.shape[1]))
        intercept = np.zeros(len(self.statute_models))
        self.statute_constant = {}
        for column, model in enumerate(self.statute_models):
            if isinstance(model, LogisticRegression):
                coef[column], intercept[column] = model.coef_[0], model.intercept_[0]
            else:
                self.statute_constant[column] = model
        self.statute_coef, self.statute_intercept = coef, intercept
        self.statute_models = []  # the stacked form above is all prediction needs
        self.trained_on = len(items)
        return self

    def _statute_ids(self, names: Iterable[str]) -> list[str]:
        ids = []
        for name in names:
            record = self.index.by_name(name)
            if record is not None:
                ids.append(record.law_id)
        return ids

    # -- prediction ------------------------------------------------------------------------
    def route(self, text: str, title: str = "") -> Routing:
        return self.route_many([(title, text)])[0]

    def route_many(self, items: Sequence[tuple[str, str]]) -> list[Routing]:
        """Route (title, text) pairs; batching shares the vectorised work."""
        texts = [f"{title}\n{text}" if title else text for title, text in items]
        return self.route_analyses(self._analyse(texts))

    def route_analyses(self, analyses: list[_Analysis]) -> list[Routing]:
        if not analyses:
            return []
        features = self._matrix(analyses)
        assert self.sector_model is not None and self.agency_model is not None and self.statute_labels is not None
        sector_p = self.sector_model.predict_proba(features)
        agency_p = self.agency_model.predict_proba(features)
        statute_p = self._statute_probabilities(features)
        return [
            self._combine(analysis, sector_p[row], agency_p[row], statute_p[row])
            for row, analysis in enumerate(analyses)
        ]

    def _statute_probabilities(self, features: sparse.csr_matrix) -> np.ndarray:
        """All one-vs-rest statute models at once: one sparse product instead of a call per model."""
        if self.statute_coef is None or self.statute_intercept is None:
            return np.zeros((features.shape[0], 0))
        logits = np.asarray(features @ self.statute_coef.T) + self.statute_intercept
        probabilities = 1.0 / (1.0 + np.exp(-logits))
        for column, value in self.statute_constant.items():
            probabilities[:, column] = value
        return probabilities

    def _combine(
        self, analysis: _Analysis, sector_p: np.ndarray, agency_p: np.ndarray, statute_p: np.ndarray
    ) -> Routing:
        assert self.sector_model is not None and self.agency_model is not None and self.statute_labels is not None
        w = self.weights
        classes = [normalize_sector(str(c)) for c in self.sector_model.classes_]
        sector_scores = dict.fromkeys(SECTORS, 0.0)
        for code, p in zip(classes, sector_p, strict=True):
            sector_scores[code] += float(p)
        if not analysis.text:  # nothing to read: say so with a flat distribution
            sector_scores = dict.fromkeys(SECTORS, 1.0 / len(SECTORS))

        statutes: dict[str, StatuteSuggestion] = {}

        def suggestion(law_id: str) -> StatuteSuggestion:
            if law_id not in statutes:
                record = self.index.records[law_id]
                statutes[law_id] = StatuteSuggestion(law_id, record.name, 0.0, False, record.ministry)
            return statutes[law_id]

        # 1. named in the text
        for ref in analysis.refs.references:
            if ref.law_id is None:
                continue
            s = suggestion(ref.law_id)
            if not s.explicit:
                s.explicit = True
                s.score += w.explicit
                s.reasons.append(f"본문이 「{s.name}」을(를) 직접 인용('{ref.surface}')")
        for law_id, numbers in analysis.refs.articles_by_statute().items():
            s = suggestion(law_id)
            s.articles.extend(n for n in numbers if n not in s.articles)
        # 2. implied: learned
        if analysis.text:
            for column in np.argsort(-statute_p)[:5]:
                p = float(statute_p[column])
                if p < 0.2:
                    break
                law_id = str(self.statute_labels.classes_[column])
                if law_id not in self.index:
                    continue
                s = suggestion(law_id)
                s.score += w.learned * p
                s.reasons.append(f"비슷한 과거 건의에서 관련 법령으로 확인됨 (p={p:.2f})")
        # 2b. implied: corpus articles
        words = [m for m in analysis.morphemes if len(m) >= 2]
        for law_id, score, number, title in analysis.retrieved:
            if law_id not in self.index:
                continue
            s = suggestion(law_id)
            s.score += w.retrieved * score
            shared = sorted({m for m in words if m in title})[:4]
            detail = f" — 공통어: {', '.join(shared)}" if shared else ""
            s.reasons.append(f"본문이 {s.name} {number}({title})와 유사 (상대 {score:.2f}){detail}")
            if not s.explicit and score >= 0.999 and number and number not in s.articles and shared:
                s.articles.append(number)

        ranked = sorted(statutes.values(), key=lambda s: -s.score)
        proposed = [s for s in ranked if s.explicit or s.score >= w.statute_threshold][: max(w.max_statutes, 1)]
        if not proposed and ranked and analysis.text:
            proposed = ranked[:1]

        # 3. agencies
        agencies: dict[str, AgencySuggestion] = {}

        def agency(name: str) -> AgencySuggestion:
            name = self.agencies.canonical_name(name)
            if name not in agencies:
                agencies[name] = AgencySuggestion(name, 0.0)
            return agencies[name]

        # One strong statute outweighs several weak ones of the same ministry: the best statute
        # counts fully, the others at a quarter (법무부 owns 민법, 형법 … which weak matches hit).
        counted: set[str] = set()
        for s in ranked[:6]:
            if not s.ministry:
                continue
            a = agency(s.ministry)
            a.score += s.score if a.name not in counted else 0.25 * s.score
            counted.add(a.name)
            a.reasons.append(f"{s.name}의 소관부처 (근거 점수 {s.score:.2f})")
        for name, surface in self.agencies.mentions(analysis.text).items():
            a = agency(name)
            a.score += w.mention
            a.reasons.append(f"본문에 '{surface}' 언급")
        if analysis.text:
            for column in np.argsort(-agency_p)[:3]:
                p = float(agency_p[column])
                name = str(self.agency_model.classes_[column])
                if not name or p < 0.05:
                    continue
                a = agency(name)
                a.score += w.classifier * p
                a.reasons.append(f"비슷한 과거 건의의 처리 기관 (p={p:.2f})")
        ranked_agencies = sorted(agencies.values(), key=lambda a: -a.score)
        sector = max(sector_scores, key=lambda k: sector_scores[k])
        return Routing(
            sector, sector_scores, ranked_agencies[:5], proposed, analysis.refs, [s.law_id for s in ranked[:10]]
        )


def _calibrated_sector_model(
    features: sparse.csr_matrix, items: Sequence[LabelledBarrier], *, c: float
) -> CalibratedClassifierCV | LogisticRegression:
    """Linear SVM with sigmoid calibration fitted on *grouped* inner folds.

    Calibrating on folds that share a rule's paraphrases would teach the model to be as sure on
    new rules as on known ones; grouping by cluster (or by item when unknown) prevents that.
    """
    labels = [normalize_sector(i.sector) for i in items]
    groups = [i.cluster or i.id for i in items]
    folds = min(3, len(set(groups)))
    counts = {label: labels.count(label) for label in set(labels)}
    if folds < 2 or len(counts) < 2 or min(counts.values()) < 2:
        return LogisticRegression(C=10.0, max_iter=3000).fit(features, labels)
    splits = list(GroupKFold(n_splits=folds).split(features, labels, groups))
    if any(len(set(labels[i] for i in train)) < len(counts) for train, _ in splits):
        return LogisticRegression(C=10.0, max_iter=3000).fit(features, labels)
    model = CalibratedClassifierCV(LinearSVC(C=c), method="sigmoid", cv=splits)
    return model.fit(features, labels)


@dataclass
class _Analysis:
    text: str
    morphemes: list[str]
    refs: ExtractionResult
    retrieved: list[tuple[str, float, str, str]] = field(default_factory=list)


# ---- building and persistence --------------------------------------------------------------
def law_sectors_from_corpus(path: Path | str) -> dict[str, str]:
    """law_id → sector code for the sector subset (decrees and rules map to their law too)."""
    from routing.statute_index import iter_corpus

    sectors: dict[str, str] = {}
    for record in iter_corpus(Path(path)):
        code = _SECTOR_SYNONYMS.get(record.sector, record.sector)
        if code in SECTORS:
            sectors[record.law_id] = code
            if record.parent_law_id:
                sectors.setdefault(record.parent_law_id, code)
    return sectors


def build_router(
    data_dir: Path,
    *,
    retrieval: bool = True,
    index: StatuteIndex | None = None,
    retriever: ArticleRetriever | None = None,
    weights: RouterWeights | None = None,
) -> Router:
    """An untrained router over the statute corpus in ``data_dir`` (the slow, label-free part)."""
    index = index or StatuteIndex.from_corpus(data_dir / "statutes.jsonl.gz")
    if retriever is None and retrieval:
        retriever = ArticleRetriever.from_corpus(data_dir / "statutes.jsonl.gz")
    return Router(
        index=index,
        retriever=retriever,
        agencies=AgencyNames.from_files(ministries=data_dir / "ministries.tsv"),
        law_sectors=law_sectors_from_corpus(data_dir / "statutes-sectors.jsonl.gz"),
        weights=weights or RouterWeights(),
    )


def train_router(data_dir: Path, items: Sequence[LabelledBarrier], **kwargs: Any) -> Router:
    return build_router(data_dir, **kwargs).fit(items)


def save_router(router: Router, path: Path) -> None:
    import joblib

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    joblib.dump(router, tmp)  # uncompressed: loading fast matters more than disk
    tmp.replace(path)  # never leave a half-written model where the loader looks


def load_router(path: Path) -> Router:
    import joblib

    started = time.perf_counter()
    router = joblib.load(path)
    if not isinstance(router, Router) or router.version != MODEL_VERSION:
        raise ValueError(f"{path} is not a router model of version {MODEL_VERSION}; run manage.py train_router")
    router.loaded_in = time.perf_counter() - started  # type: ignore[attr-defined]
    return router


def default_model_path() -> Path:
    """``<BASE_DIR>/var/routing/router.joblib`` (var/ is not committed)."""
    try:
        from django.conf import settings

        base = Path(settings.BASE_DIR)
    except Exception:  # outside Django (benchmarks): the checkout
        base = _REPO
    return base / "var" / "routing" / "router.joblib"


def ranked_statute_names(routing: Routing) -> list[str]:
    return [s.name for s in routing.statutes]


def group_items(items: Sequence[LabelledBarrier]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, item in enumerate(items):
        groups[item.cluster].append(i)
    return groups
