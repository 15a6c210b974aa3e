"""The router: sector with calibrated probabilities, implied statutes, competent agencies with reasons.

Evidence, strongest first:

1. statutes the text names (:mod:`routing.references`), each carrying its competent ministry
   from the corpus (소관부처);
2. statutes the text implies: a learned text → statute model (one-vs-rest logistic regression on
   kiwipiepy content morphemes, trained on labelled barriers and confirmed routings) and the
   corpus's candidate laws (:func:`routing.retrieval.candidate_laws`: article character n-grams,
   law profiles, articles in kiwipiepy morphemes and the laws those articles quote, fused), which
   also cover laws no label mentions; the law behind a decree or 고시 the text names counts as
   named;
3. agencies the text names (식약처, 금융위 …, with former names);
4. a text → agency classifier (labels only; it cannot name an agency it never saw).

Each candidate statute gets a feature vector (named in the text; articles cited; learned
probability; corpus retrieval score, rank and absolute strength; its law's evidence for a decree;
decree or law; in the sector subset; the agency classifier's probability for the statute's
ministry — ministries recur across rules, so this carries over to a rule no label mentions; how
often the labels confirm the statute; for a decree, how often the labels pair it with its law
(smoothed towards the rate over all laws, see :meth:`Router._fit_label_statistics`); how many
training complaints retrieve the law anyway (a "hub" law that matches a whole field, see
:meth:`Router._fit_retrieval_hubs`); a promotion/support act by its name; how much of the law's
name the text uses (:class:`LawNameKeywords`); how well the law's and its ministry's corpus
profiles match the text (:class:`routing.retrieval.CorpusProfiles`: names and article titles, no
labels); how well the sector model agrees with the sectors of the complaints the law was
confirmed for (in-fold, smoothed towards the corpus' sector subset)) and each candidate agency
another (best and summed probability of its statutes, one of them named, the top statute's
ministry, named in the text, classifier probability, share of the retrieval votes, sector
agreement, its ministry profile, how usual it is for the text's sectors). Laws whose name words
the text uses and laws whose profile matches best become candidates too, so a law the labels
never mention can still be proposed; the usual agencies of the text's sectors (learned from the
labels, in-fold) become agency candidates. Two small models — the *evidence combiners* — turn
the evidence into scores: a logistic regression per statute candidate, and for agencies a
conditional logit (a softmax over each text's candidates: they compete for one place, and a
pointwise model had ranked unrelated agencies second and third). They, the statute proposal
thresholds (the floor under which not even the best candidate is proposed for a text naming no
statute) and the agency confidence cut-off (below it, the sector's usual agencies come first
after the best one) are fitted on predictions for held-out inner folds grouped by cluster
(:meth:`Router._fit_combiners`), i.e. on how much each kind of evidence is worth for a rule the
label classifiers never saw. Every contribution is kept as a Korean reason. With too few
labelled groups a-priori combiners are used.

The agency features also come on a log scale (the classifier's probability for every ministry,
not only its first few; the sector's norm) and as ranks (the best rank of the ministry's laws
among the scored and the retrieved statutes, of its corpus profile among the ministries'): the
conditional logit compares candidates, so ratios and ranks carry more than raw shares. After
the best agency, an agency is proposed only with evidence of its own (a law of its among the
candidates, named in the text, the classifier or the sector's norm at ≥ 5 %): sharing the text's
vocabulary alone put unrelated bodies second and third for short texts. A second stage then
rescores each statute candidate in the context of the text (:meth:`Router._rerank_features`:
its first-stage score, rank and share of the text's best, the agency ranking's probability for
its ministry and whether that ministry leads it, for a decree how its law fared and how often
the labels pair them), a logistic regression fitted on the same inner-fold evidence; the
proposal thresholds are chosen on its scores.
The agencies then get a second stage too (:meth:`Router._agency_rerank_features`): a conditional
logit over the first stage's share (log scale) and each agency's statutes' evidence again after
the statutes' second stage (best and summed score, share of all, rank of its best statute, the
ministry of the top one), plus the classifier, the sector's norm and a mention; the cut-off is
chosen again on its scores. Grouped 3-fold CV (load ~8, with the decree features below in
place): agency top-1 0.739 → 0.739, top-3 0.886 → 0.892; grouped 5-fold (load ~13, the sector and
retrieval parts changed by others in between): 0.714 → 0.711 and 0.872 → 0.881 — a few texts,
within noise. It costs ~0.08 ms CPU a text (p95 0.14 ms).
Tried in session 8 and left out (grouped 3-fold CV, all texts, statute P/R/F1 0.585/0.482/0.528
before): a decree/rule feature for the one of a law's 시행령/시행규칙 whose article matched the
text best (``LawCandidate.decree``), times its law's strength, and a procedural-words share
(서류, 기준, 절차 …), in both stages: 0.565/0.489/0.525 (decrees proposed 10 → 30, right 8 → 13;
explicit-citation precision 0.919 → 0.880); on top, a fitted threshold from which a proposed law's
decree or rule is proposed with it (the inner folds chose none) and a fitted share of the best
score a second implied statute needs: 0.571/0.484/0.524. The gold pairs a law with a decree for
about one gold law in five, so a decree pays only where its law is right and the text is about
its detail; the evidence here did not tell those apart. (Of the texts' primary agencies, 97.5 %
are among the candidates: ranking, not the candidate set, is what limits agency accuracy.)

Sector: a calibrated linear SVM over morpheme TF-IDF plus "statute tokens" (the laws named or
retrieved, their sector in the sector subset and their ministry, and the two ministries whose
corpus profile the text matches best), so a complaint about an unseen rule of a known law still
lands in the right sector. (Stacking the predicted statutes' and agencies' sector associations
on top of it was measured and lowered grouped-CV sector accuracy, 0.825 → 0.794–0.814: not used.
Character 2–3-grams of the text beside the tokens, weighted 1.0 or 0.3, lowered grouped 3-fold
sector accuracy 0.856 → 0.833 / 0.850 and cost ~1 ms CPU per text: not used either.)
At prediction time the fitted scikit-learn models are reduced to arrays
(:class:`LinearProbabilities`): same probabilities, a fraction of the overhead.

Nothing here touches the database: ``Router`` is built by :func:`train_router` from
:class:`LabelledBarrier` items and persisted with pickle (``var/routing/router.joblib``, see
:func:`save_router`).
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
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
from routing.near_duplicates import LearnedLinking, learn_linking
from routing.references import ExtractionResult, extract_references
from routing.retrieval import (
    ArticleRetriever,
    CorpusProfiles,
    candidate_laws,
    query_ngrams,
    same_analyzer,
    sector_subset_laws,
    tfidf_transform,
)
from routing.sector_model import SectorCorpus, SectorModel, input_from_analysis
from routing.statute_index import DECREE, RULE, StatuteIndex

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
# 7: stacked sector model, second-stage statute reranker, agency log/rank features, decree
# articles in the morpheme index
# 8: the agencies' second stage (Router.agency_reranker)
MODEL_VERSION = 8
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


# ---- law names -----------------------------------------------------------------------------
# Words of statute names that say nothing about what a law governs.
_NAME_STOPWORDS = frozenset(
    {"관한", "법률", "법", "등", "및", "위한", "그", "밖의", "특별법", "기본법", "특례법", "시행령", "시행규칙"}
)
_NAME_SPLIT = re.compile(r"[^가-힣A-Za-z0-9]+")
_NAME_SUFFIXES = ("에관한법률", "에관한특별법", "특별법", "기본법", "특례법", "법률", "법")


def name_keywords(name: str) -> list[str]:
    """The content words of a statute name: 「여객자동차 운수사업법」 → 여객자동차, 운수사업."""
    words = []
    for token in _NAME_SPLIT.split(name):
        for suffix in _NAME_SUFFIXES:
            if token.endswith(suffix) and len(token) > len(suffix):
                token = token[: -len(suffix)]
                break
        if len(token) > 2 and token[-1] in "의에과와":
            token = token[:-1]
        if len(token) >= 2 and token not in _NAME_STOPWORDS:
            words.append(token)
    return words


def _bigrams(text: str) -> set[str]:
    return {text[k : k + 2] for k in range(len(text) - 1)}


@dataclass
class LawNameKeywords:
    """How much of a law's name a complaint uses, for every law at once (no labels).

    A complaint seldom writes 「신용정보의 이용 및 보호에 관한 법률」 but often writes 신용정보:
    the share of a name's character bigrams (of its content words, each weighted by how rare it
    is among law names) found in the text. Bigrams, not words, so 전자금융 still half-matches
    전자금융거래법. One sparse product scores every law.
    """

    law_ids: list[str]
    vocabulary: dict[str, int]
    weights: sparse.csr_matrix  # laws x bigrams, rows sum to 1

    @classmethod
    def build(cls, index: StatuteIndex, retriever: ArticleRetriever | None = None) -> LawNameKeywords:
        if retriever is not None:
            law_ids = [x for x in retriever.law_ids if x in index]
        else:
            law_ids = [x for x, record in index.records.items() if not record.role]
        grams = [sorted({g for word in name_keywords(index.records[x].name) for g in _bigrams(word)}) for x in law_ids]
        vocabulary: dict[str, int] = {}
        for row in grams:
            for g in row:
                vocabulary.setdefault(g, len(vocabulary))
        df = np.zeros(max(len(vocabulary), 1))
        for row in grams:
            for g in row:
                df[vocabulary[g]] += 1
        idf = np.log((len(law_ids) + 1) / (df + 1)) + 0.1
        rows, cols, values = [], [], []
        for r, row in enumerate(grams):
            total = sum(idf[vocabulary[g]] for g in row)
            for g in row:
                rows.append(r)
                cols.append(vocabulary[g])
                values.append(idf[vocabulary[g]] / total)
        weights = sparse.csr_matrix((values, (rows, cols)), shape=(len(law_ids), max(len(vocabulary), 1)))
        return cls(law_ids, vocabulary, weights)

    def coverage(self, text: str) -> np.ndarray:
        """Per law (in ``law_ids`` order): the weighted share of its name's bigrams in ``text``."""
        present = np.zeros(self.weights.shape[1])
        for g in _bigrams(text):
            column = self.vocabulary.get(g)
            if column is not None:
                present[column] = 1.0
        return np.asarray(self.weights @ present).ravel()


# ---- the model -----------------------------------------------------------------------------
@dataclass
class RouterWeights:
    """Settings chosen a priori (what is learned from labels is fitted in :meth:`Router.fit`)."""

    retrieved_top: int = 10  # laws kept from the corpus retriever as candidates
    statute_threshold: float = 0.6  # implied statutes below this are not proposed (until fitted)
    max_statutes: int = 4
    retrieved_tokens: int = 5  # retrieved laws whose id, sector and ministry become text features
    agency_candidates: int = 8  # agencies taken from the text → agency classifier
    sector_c: float = 0.5  # LinearSVC, sigmoid-calibrated on grouped inner folds
    statute_c: float = 8.0
    agency_c: float = 8.0
    profile_tokens: int = 2  # best ministry profiles whose names become text features


@dataclass
class Router:
    index: StatuteIndex
    retriever: ArticleRetriever | None
    agencies: AgencyNames
    law_sectors: dict[str, str]  # law_id -> sector code (from the corpus' sector subset)
    weights: RouterWeights = field(default_factory=RouterWeights)
    vectorizer: TfidfVectorizer | None = None
    sector_model: LinearProbabilities | None = None
    statute_labels: MultiLabelBinarizer | None = None
    statute_models: list[LogisticRegression | float] = field(default_factory=list)
    agency_model: LinearProbabilities | None = None
    statute_coef: np.ndarray | None = None  # labels x features, stacked one-vs-rest models
    statute_intercept: np.ndarray | None = None
    statute_constant: dict[int, float] = field(default_factory=dict)  # labels seen always/never
    statute_combiner: tuple[np.ndarray, float] | None = None  # evidence → P(statute applies)
    agency_combiner: tuple[np.ndarray, float] | None = None  # evidence → P(competent agency)
    agency_reranker: np.ndarray | None = None  # second stage: agencies after the statutes' second stage
    statute_reranker: tuple[np.ndarray, float] | None = None  # second stage: candidates in context
    statute_threshold: float | None = None  # fitted with the combiner; else weights.statute_threshold
    statute_threshold_named: float | None = None  # the same for texts that name a statute themselves
    statute_floor: float | None = None  # the best candidate below its threshold is proposed from here
    agency_cut: float | None = None  # agencies scored below it come after the sector's usual agencies
    agency_law_floor: float = 0.0  # law evidence an agency after the first needs (fitted)
    agency_softmax: bool = False  # agency scores: softmax over a text's candidates (fitted combiner)
    link_specificity: LearnedLinking | None = None  # linking learned from the clusters (learn_linking)
    statute_counts: dict[str, int] | None = None  # law_id -> labelled barriers naming it
    decree_rates: dict[tuple[str, str], float] | None = None  # (law, role) -> P(decree | law), smoothed
    retrieval_hubs: dict[str, float] | None = None  # law_id -> share of complaints retrieving it
    name_keywords: LawNameKeywords | None = None  # the words of each law's name (label-free)
    profiles: CorpusProfiles | None = None  # law and ministry profiles (label-free)
    statute_sectors: dict[str, np.ndarray] | None = None  # law -> sector distribution of its labels
    agency_sectors: dict[str, np.ndarray] | None = None  # primary agency -> sector distribution
    sector_agencies: dict[str, dict[str, float]] | None = None  # sector -> P(primary agency | sector)
    sector_corpus: SectorCorpus | None = None  # label-free sector evidence (routing.sector_model)
    sector_stack: SectorModel | None = None  # the stacked sector model; None: sector_model alone
    version: int = MODEL_VERSION
    trained_on: int = 0

    # -- features ---------------------------------------------------------------------------
    def _analyse(self, texts: Sequence[str]) -> list[_Analysis]:
        from core.korean import content_morphemes_many

        clean = [normalize_text(t or "") for t in texts]
        analyses = [
            _Analysis(text=t, morphemes=morphemes, refs=extract_references(t, self.index))
            for t, morphemes in zip(clean, content_morphemes_many(clean), strict=True)
        ]
        if self.retriever is None or not analyses:
            return analyses
        ngrams = query_ngrams(self.retriever.vectorizer, clean)  # cut once, read by every view
        laws = None
        if self.profiles is not None:
            shared = ngrams if same_analyzer(self.retriever.vectorizer, self.profiles.vectorizer) else None
            laws, ministries = self.profiles.scores(clean, ngrams=shared)
            k = min(_PROFILE_TOP, laws.shape[1])
            for row, analysis in enumerate(analyses):
                order = np.argpartition(-laws[row], k - 1)[:k]
                order = order[np.argsort(-laws[row, order], kind="stable")]
                top = float(laws[row, order[0]])
                if top > 0:
                    analysis.profile_laws = {
                        self.retriever.law_ids[j]: float(laws[row, j]) / top for j in order if laws[row, j] > 0
                    }
                strongest = float(ministries[row].max())
                if strongest > 0:
                    analysis.profile_ministries = {
                        name: float(v) / strongest
                        for name, v in zip(self.profiles.ministry_names, ministries[row], strict=True)
                        if v > 0
                    }
        # The corpus's candidate laws: article n-grams, law profiles, articles in morphemes and the
        # laws those articles quote, fused (retrieval.candidate_laws).
        found = candidate_laws(
            self.retriever,
            clean,
            profiles=self.profiles,
            k=min(self.weights.retrieved_top, len(self.retriever.law_ids)),
            ngrams=ngrams,
            terms=[analysis.morphemes for analysis in analyses],
            profile_scores=laws,
        )
        for analysis, candidates in zip(analyses, found, strict=True):
            analysis.retrieved_top = max((candidate.strength for candidate in candidates), default=0.0)
            for candidate in candidates:
                number = candidate.article
                if candidate.statute != candidate.law_id:  # the best match is an article of its decree or rule
                    statute = candidate.statute
                    name = self.index.records[statute].name if statute in self.index else statute
                    analysis.retrieved_via[candidate.law_id] = f"{name} {number}"
                    number = ""
                analysis.retrieved.append((candidate.law_id, candidate.score, number, candidate.title))
        return analyses

    def _tokens(self, analysis: _Analysis) -> str:
        tokens = list(analysis.morphemes)
        # Statute tokens: the law itself (known rules), and its ministry and sector, which recur
        # across rules and so carry over to a rule the labels never mention.
        for law_id in analysis.refs.statute_ids():
            law = self.index.law_of(law_id)
            tokens.append(f"§e{law}")
            if self.law_sectors.get(law):
                tokens.append(f"§es_{self.law_sectors[law]}")
            if self.index.ministry(law):
                tokens.append(f"§em_{self.index.ministry(law)}")
        for rank, (law_id, _score, _article, _title) in enumerate(analysis.retrieved[: self.weights.retrieved_tokens]):
            tokens.append(f"§r{law_id}")
            if rank == 0:
                tokens.append(f"§r1{law_id}")
            if self.law_sectors.get(law_id):
                tokens.append(f"§rs_{self.law_sectors[law_id]}")
            if self.index.ministry(law_id):
                tokens.append(f"§rm_{self.index.ministry(law_id)}")
        # the ministries whose whole field's vocabulary the text shares (label-free)
        best = sorted(analysis.profile_ministries.items(), key=lambda kv: -kv[1])[: self.weights.profile_tokens]
        tokens.extend(f"§pm_{name}" for name, _share in best)
        return " ".join(tokens)

    def _matrix(self, analyses: list[_Analysis]) -> sparse.csr_matrix:
        assert self.vectorizer is not None, "router is not trained"
        return tfidf_transform(self.vectorizer, [self._tokens(a) for a in analyses])

    # -- training ---------------------------------------------------------------------------
    def attach_profiles(self) -> None:
        """Build the label-free law and ministry profiles (:class:`CorpusProfiles`) if missing."""
        if self.profiles is None and self.retriever is not None:
            ministry_of = {
                law_id: self.agencies.canonical_name(self.index.ministry(law_id))
                for law_id in self.retriever.law_ids
                if law_id in self.index and self.index.ministry(law_id)
            }
            names = {
                law_id: self.index.records[law_id].name for law_id in self.retriever.law_ids if law_id in self.index
            }
            self.profiles = CorpusProfiles.build(self.retriever, ministry_of, names)

    def analyse(self, texts: Sequence[str]) -> list[_Analysis]:
        """The label-free reading of texts (morphemes, references, retrieval); reusable across fits."""
        return self._analyse(texts)

    def untrained(self) -> Router:
        """A router sharing this one's label-free corpus parts with nothing learned yet
        (cross-validation fits one per fold without rebuilding the corpus indexes)."""
        return Router(
            index=self.index,
            retriever=self.retriever,
            agencies=self.agencies,
            law_sectors=self.law_sectors,
            weights=RouterWeights(),
            name_keywords=self.name_keywords,
            profiles=self.profiles,
            sector_corpus=self.sector_corpus,
        )

    def fit(self, items: Sequence[LabelledBarrier], *, analyses: list[_Analysis] | None = None) -> Router:
        """Train the supervised parts on ``items`` (the corpus parts need no labels).

        The label classifiers (sector, agency, text → statute) are fitted on all of ``items``;
        the evidence combiners and the statute threshold on inner grouped folds of them.
        """
        if analyses is None:
            analyses = self._analyse([item.full_text for item in items])
        self.statute_combiner = self.agency_combiner = self.statute_reranker = self.agency_reranker = None
        self.statute_threshold = self.statute_threshold_named = self.statute_floor = self.agency_cut = None
        self.agency_law_floor = 0.0
        self.agency_softmax = False
        if self.name_keywords is None:
            self.name_keywords = LawNameKeywords.build(self.index, self.retriever)
        self._fit_combiners(items, analyses)
        self._fit_learned(items, analyses)
        self.link_specificity = learn_linking(
            (a.morphemes, item.cluster or item.id) for item, a in zip(items, analyses, strict=True)
        )
        self.sector_stack = None
        if self.sector_corpus is not None:
            self.sector_stack = SectorModel(self.sector_corpus, text_c=self.weights.sector_c).fit(
                [input_from_analysis(self, a) for a in analyses],
                [item.sector for item in items],
                [item.cluster or item.id for item in items],
            )
        self.trained_on = len(items)
        return self

    def _fit_learned(self, items: Sequence[LabelledBarrier], analyses: list[_Analysis]) -> sparse.csr_matrix:
        """The text vectoriser, the agency classifier and the one-vs-rest text → statute models."""
        self.vectorizer = TfidfVectorizer(
            token_pattern=r"\S+", ngram_range=(1, 1), sublinear_tf=True, min_df=1, lowercase=False
        )
        features = self.vectorizer.fit_transform([self._tokens(a) for a in analyses])
        w = self.weights
        primary = [self.agencies.canonical_name(i.ministries[0]) if i.ministries else "" for i in items]
        self.agency_model = LinearProbabilities.of(
            LogisticRegression(C=w.agency_c, max_iter=3000).fit(features, primary)
        )
        labels = [self._statute_ids(i.statutes) for i in items]
        self.statute_labels = MultiLabelBinarizer().fit(labels)
        target = self.statute_labels.transform(labels)
        coef = np.zeros((target.shape[1], features.shape[1]))
        intercept = np.zeros(target.shape[1])
        self.statute_constant = {}
        for column in range(target.shape[1]):
            y = target[:, column]
            if y.min() == y.max():
                self.statute_constant[column] = float(y[0])
                continue
            model = LogisticRegression(C=w.statute_c, solver="liblinear", max_iter=3000, class_weight="balanced").fit(
                features, y
            )
            coef[column], intercept[column] = model.coef_[0], model.intercept_[0]
        # Column-major, so ``statute_coef.T`` in ``_statute_probabilities`` is row-major and the
        # sparse product does not copy the whole matrix on every text.
        self.statute_coef, self.statute_intercept = np.asfortranarray(coef), intercept
        self.statute_models = []  # the stacked form above is all prediction needs
        self._fit_label_statistics(labels)
        self._fit_retrieval_hubs(analyses)
        self._fit_sector_associations(items, labels)
        self.sector_model = LinearProbabilities.of(_calibrated_sector_model(features, items, c=w.sector_c))
        return features

    def _fit_sector_associations(self, items: Sequence[LabelledBarrier], labels: list[list[str]]) -> None:
        """Sector distribution of the complaints each law (and each primary agency) was confirmed for.

        Smoothed towards the corpus' sector subset (a law of the fintech subset leans fintech
        before any label) or the uniform distribution, so a law seen once does not decide alone.
        """
        position = {code: k for k, code in enumerate(SECTORS)}
        law_counts: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(len(SECTORS)))
        agency_counts: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(len(SECTORS)))
        for item, ids in zip(items, labels, strict=True):
            k = position[normalize_sector(item.sector)]
            for law in {self.index.law_of(x) for x in ids}:
                law_counts[law][k] += 1.0
            if item.ministries:
                agency_counts[self.agencies.canonical_name(item.ministries[0])][k] += 1.0
        self.statute_sectors = {
            law: (counts + 2.0 * self._corpus_sector_prior(law)) / (counts.sum() + 2.0)
            for law, counts in law_counts.items()
        }
        uniform = np.full(len(SECTORS), 1.0 / len(SECTORS))
        self.agency_sectors = {name: (c + 2.0 * uniform) / (c.sum() + 2.0) for name, c in agency_counts.items()}
        # the sector's usual agencies: P(primary agency | sector), smoothed towards the overall shares
        total = sum(c.sum() for c in agency_counts.values()) or 1.0
        overall = {name: c.sum() / total for name, c in agency_counts.items()}
        self.sector_agencies = {}
        for k, code in enumerate(SECTORS):
            n = sum(c[k] for c in agency_counts.values())
            shares = {name: (c[k] + 1.0 * overall[name]) / (n + 1.0) for name, c in agency_counts.items()}
            self.sector_agencies[code] = dict(sorted(shares.items(), key=lambda kv: -kv[1])[:_SECTOR_AGENCIES_KEPT])

    def _corpus_sector_prior(self, law: str) -> np.ndarray:
        code = self.law_sectors.get(law)
        if code in SECTORS:
            prior = np.full(len(SECTORS), 0.1 / (len(SECTORS) - 1))
            prior[SECTORS.index(code)] = 0.9
            return prior
        return np.full(len(SECTORS), 1.0 / len(SECTORS))

    def law_sector_distribution(self, law: str) -> np.ndarray:
        """P(sector | a complaint about ``law``): the labels' association, else the corpus prior."""
        known = (self.statute_sectors or {}).get(law)
        return known if known is not None else self._corpus_sector_prior(law)

    def _fit_retrieval_hubs(self, analyses: list[_Analysis]) -> None:
        """Share of complaints that retrieve each law among their first three (no labels used).

        Some laws match the *field* of almost every complaint in it (a robot promotion act for
        anything about robots) rather than the rule that blocks the filer; a law retrieved for
        many different complaints is weaker evidence for any one of them (hubness).
        """
        counts: dict[str, int] = defaultdict(int)
        for analysis in analyses:
            for law_id, _score, _number, _title in analysis.retrieved[:3]:
                counts[law_id] += 1
        total = max(len(analyses), 1)
        self.retrieval_hubs = {law_id: n / total for law_id, n in counts.items()}

    def _fit_label_statistics(self, labels: list[list[str]]) -> None:
        """How often each statute is confirmed, and how often a law's decree comes with it.

        A complaint about a law's rule often concerns its 시행령/시행규칙 too (the detail sits
        there); how often depends on the law. The rate is smoothed towards the rate over all
        laws, so a law the labels never mention gets the general tendency.
        """
        counts: dict[str, int] = defaultdict(int)
        law_counts: dict[str, int] = defaultdict(int)
        pair_counts: dict[tuple[str, str], int] = defaultdict(int)
        for ids in labels:
            present = set(ids)
            for law_id in present:
                counts[law_id] += 1
            for law in {self.index.law_of(x) for x in present}:
                law_counts[law] += 1
                for role in (DECREE, RULE):
                    child = self.index.child(law, role)
                    if child is not None and child in present:
                        pair_counts[(law, role)] += 1
        total_laws = sum(law_counts.values()) or 1
        self.statute_counts = dict(counts)
        self.decree_rates = {}
        for role in (DECREE, RULE):
            prior = (sum(v for (_law, r), v in pair_counts.items() if r == role) + 0.5) / (total_laws + 1.0)
            self.decree_rates[("", role)] = prior
            for law, n in law_counts.items():
                self.decree_rates[(law, role)] = (pair_counts.get((law, role), 0) + 2.0 * prior) / (n + 2.0)

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
        stacked = (
            self.sector_stack.predict_proba([input_from_analysis(self, a) for a in analyses])
            if self.sector_stack is not None
            else None
        )
        return [
            self._combine(
                analysis, sector_p[row], agency_p[row], statute_p[row], None if stacked is None else stacked[row]
            )
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

    def _sector_vector(self, sector_p: np.ndarray) -> np.ndarray:
        """The sector model's probabilities in :data:`SECTORS` order."""
        assert self.sector_model is not None
        out = np.zeros(len(SECTORS))
        for code, p in zip(self.sector_model.classes_, sector_p, strict=True):
            out[SECTORS.index(normalize_sector(str(code)))] += float(p)
        return out

    def _evidence(
        self, analysis: _Analysis, agency_p: np.ndarray, statute_p: np.ndarray, sector_p: np.ndarray | None = None
    ) -> _Evidence:
        """Candidate statutes and agencies of one text with their feature vectors and reasons."""
        assert self.agency_model is not None and self.statute_labels is not None
        ev = _Evidence()
        sectors = self._sector_vector(sector_p) if sector_p is not None else np.full(len(SECTORS), 1 / len(SECTORS))
        coverage: dict[str, float] = {}
        if self.name_keywords is not None and analysis.text:
            values = self.name_keywords.coverage(analysis.text)
            coverage = {self.name_keywords.law_ids[j]: float(values[j]) for j in np.flatnonzero(values >= 0.3)}
        counts = self.statute_counts or {}
        hubs = self.retrieval_hubs or {}
        # what the text → agency classifier says about each ministry: it generalises across rules
        # (a ministry has many), so it tells which of the retrieved laws fits the complaint's field
        ministry_p: dict[str, float] = defaultdict(float)
        for column, p in enumerate(agency_p):
            name = str(self.agency_model.classes_[column])
            if name:
                ministry_p[self.agencies.canonical_name(name)] += float(p)

        def statute(law_id: str) -> _StatuteCandidate:
            if law_id not in ev.statutes:
                record = self.index.records[law_id]
                role = 1.0 if record.role else 0.0
                in_sector = 1.0 if self.index.law_of(law_id) in self.law_sectors else 0.0
                c = _StatuteCandidate(StatuteSuggestion(law_id, record.name, 0.0, False, record.ministry))
                c.features[_S_DECREE], c.features[_S_SECTOR] = role, in_sector
                c.features[_S_MINISTRY] = ministry_p.get(self.agencies.canonical_name(record.ministry), 0.0)
                c.features[_S_FREQUENCY] = math.log1p(counts.get(law_id, 0)) / 3.0
                law = self.index.law_of(law_id)
                c.features[_S_HUB] = hubs.get(law, 0.0) * 5.0
                c.features[_S_PROMOTION] = 1.0 if _PROMOTION.search(self.index.records[law].name) else 0.0
                c.features[_S_NAME] = coverage.get(law, 0.0)
                c.features[_S_SECTOR_AGREE] = float(sectors @ self.law_sector_distribution(law))
                c.features[_S_PROFILE] = analysis.profile_laws.get(law, 0.0)
                c.features[_S_MINISTRY_PROFILE] = analysis.profile_ministries.get(
                    self.agencies.canonical_name(record.ministry), 0.0
                )
                ev.statutes[law_id] = c
            return ev.statutes[law_id]

        # 1. named in the text
        for ref in analysis.refs.references:
            if ref.law_id is None or ref.law_id not in self.index:
                continue
            c = statute(ref.law_id)
            if not c.suggestion.explicit:
                c.suggestion.explicit = True
                c.features[_S_EXPLICIT] = 1.0
                c.suggestion.reasons.append(f"본문이 「{c.suggestion.name}」을(를) 직접 인용('{ref.surface}')")
        # 1b. the law behind a decree, rule or 고시 the text names: a complaint about the decree
        # is also about the law that delegates it.
        for law_id in analysis.refs.governing_laws(self.index):
            c = statute(law_id)
            if not c.suggestion.explicit:
                c.suggestion.explicit = True
                c.features[_S_EXPLICIT] = 1.0
                c.suggestion.reasons.append(f"본문이 인용한 하위 법령·고시의 모법 「{c.suggestion.name}」")
        for law_id, numbers in analysis.refs.articles_by_statute().items():
            if law_id not in ev.statutes:
                continue
            c = statute(law_id)
            c.features[_S_ARTICLES] = 1.0
            c.suggestion.articles.extend(n for n in numbers if n not in c.suggestion.articles)
        if not analysis.text:
            return ev
        # 2. implied: learned from labelled and confirmed barriers
        for column in np.argsort(-statute_p)[:5]:
            p = float(statute_p[column])
            if p < 0.05:
                break
            law_id = str(self.statute_labels.classes_[column])
            if law_id not in self.index:
                continue
            c = statute(law_id)
            c.features[_S_LEARNED] = p
            c.suggestion.reasons.append(f"비슷한 과거 건의에서 관련 법령으로 확인됨 (p={p:.2f})")
        # 2b. implied: corpus articles (label-free, covers laws no label mentions)
        words = [m for m in analysis.morphemes if len(m) >= 2]
        votes: dict[str, float] = defaultdict(float)
        top_raw = analysis.retrieved_top
        for rank, (law_id, score, number, title) in enumerate(analysis.retrieved):
            if law_id not in self.index:
                continue
            ministry = self.index.ministry(law_id)
            if ministry:
                votes[self.agencies.canonical_name(ministry)] += score
            c = statute(law_id)
            c.features[_S_RETRIEVED] = score
            c.features[_S_RANK] = 1.0 / (1 + rank)
            c.features[_S_STRENGTH] = min(score * top_raw, 3.0)
            shared = sorted({m for m in words if m in title})[:4]
            detail = f" — 공통어: {', '.join(shared)}" if shared else ""
            if rank < 5:
                where = (
                    f"{c.suggestion.name} {number}" if number else analysis.retrieved_via.get(law_id, c.suggestion.name)
                )
                c.suggestion.reasons.append(f"본문이 {where}({title})와 유사 (상대 {score:.2f}){detail}")
            if not c.suggestion.explicit and rank == 0 and number and number not in c.suggestion.articles and shared:
                c.suggestion.articles.append(number)
        # 2c. laws whose name the text uses in part (신용정보 → 신용정보법), best few
        for law_id, share in sorted(coverage.items(), key=lambda kv: -kv[1])[:3]:
            if share < 0.5 or law_id not in self.index:
                break
            c = statute(law_id)
            if not c.suggestion.explicit:
                c.suggestion.reasons.append(f"본문이 법령명 「{c.suggestion.name}」의 낱말을 사용 ({share:.0%})")
        # 2d. laws whose topics (article titles) the text matches as a whole, best few
        for law_id, share in list(analysis.profile_laws.items())[:3]:
            if law_id not in self.index:
                continue
            c = statute(law_id)
            if not c.suggestion.explicit:
                c.suggestion.reasons.append(f"본문이 「{c.suggestion.name}」의 조문 제목들과 유사 (상대 {share:.2f})")
        # 2e. the decrees of the strongest laws: how often a law's 시행령/시행규칙 came with it
        rates = self.decree_rates or {}
        laws = [law_id for law_id, c in ev.statutes.items() if not self.index.records[law_id].role]
        strongest = sorted(laws, key=lambda x: -_law_strength(ev.statutes[x].features))[:3]
        for law_id in strongest:
            for role in (DECREE, RULE):
                child = self.index.child(law_id, role)
                if child is None or child not in self.index:
                    continue
                c = statute(child)
                rate = rates.get((law_id, role), rates.get(("", role), 0.0))
                c.features[_S_COOCCURS] = rate
        # a decree inherits the evidence of its law (the retriever indexes laws only)
        for law_id, c in ev.statutes.items():
            parent = self.index.law_of(law_id)
            if parent != law_id and parent in ev.statutes:
                strength = _law_strength(ev.statutes[parent].features)
                c.features[_S_PARENT] = max(
                    ev.statutes[parent].features[_S_RETRIEVED], ev.statutes[parent].features[_S_EXPLICIT]
                )
                c.features[_S_PARENT_LEARNED] = ev.statutes[parent].features[_S_LEARNED]
                c.features[_S_COOC_PARENT] = c.features[_S_COOCCURS] * strength
        for c in ev.statutes.values():
            c.features[_S_RET_MINISTRY] = c.features[_S_RETRIEVED] * c.features[_S_MINISTRY]
            c.features[_S_NAME_MINISTRY] = c.features[_S_NAME] * c.features[_S_MINISTRY]
        total = sum(votes.values()) or 1.0
        ev.votes = {name: v / total for name, v in votes.items()}
        # 3. agencies: named in the text, and the agency classifier
        for name, surface in self.agencies.mentions(analysis.text).items():
            a = ev.agency(name)
            a.features[_A_MENTION] = 1.0
            a.suggestion.reasons.append(f"본문에 '{surface}' 언급")
        for column in np.argsort(-agency_p)[: self.weights.agency_candidates]:
            p = float(agency_p[column])
            name = str(self.agency_model.classes_[column])
            if not name or p < 0.02:
                continue
            a = ev.agency(self.agencies.canonical_name(name))
            a.features[_A_CLASSIFIER] = p
            a.suggestion.reasons.append(f"비슷한 과거 건의의 처리 기관 (p={p:.2f})")
        for name, share in ev.votes.items():
            ev.agency(name).features[_A_VOTE] = share
        # the ministries whose laws' vocabulary the text shares (label-free: any ministry)
        for name, share in sorted(analysis.profile_ministries.items(), key=lambda kv: -kv[1])[:3]:
            a = ev.agency(name)
            a.suggestion.reasons.append(f"본문이 {name} 소관 법령들의 용어와 유사 (상대 {share:.2f})")
        for name, a in ev.agencies.items():
            a.features[_A_PROFILE] = analysis.profile_ministries.get(name, 0.0)
        ev.sectors, ev.agency_sectors = sectors, self.agency_sectors or {}
        ev.sector_agencies = self.sector_agencies or {}
        ev.ministry_p = dict(ministry_p)
        ordered = sorted(analysis.profile_ministries.items(), key=lambda kv: -kv[1])
        ev.profile_rank = {name: rank for rank, (name, _share) in enumerate(ordered)}
        return ev

    def _score_statutes(self, ev: _Evidence) -> None:
        coef, intercept = self.statute_combiner or _DEFAULT_STATUTE_COMBINER
        for law_id, c in ev.statutes.items():
            logit = float(c.features @ coef) + intercept
            c.suggestion.score = _sigmoid(logit)
            ev.first_stage[law_id] = logit

    def _rerank_features(self, ev: _Evidence) -> dict[str, np.ndarray]:
        """Second-stage features of each statute candidate: its first-stage evidence score against
        the text's other candidates (rank, share of the best), the agency ranking's belief in its
        ministry, and for a decree how its law fared."""
        logits = ev.first_stage
        order = sorted(logits, key=lambda x: -logits[x])
        rank = {law_id: k for k, law_id in enumerate(order)}
        laws_rank = {x: k for k, x in enumerate(x for x in order if not self.index.records[x].role)}
        best = _sigmoid(logits[order[0]]) if order else 1.0
        top_agency = max(ev.agencies.values(), key=lambda a: a.suggestion.score).suggestion.name if ev.agencies else ""
        out = {}
        for law_id, c in ev.statutes.items():
            row = np.zeros(_N_RERANK_FEATURES)
            score = _sigmoid(logits[law_id])
            row[_R_LOGIT] = max(min(logits[law_id], 10.0), -10.0) / 5.0
            row[_R_SCORE] = score
            row[_R_SHARE] = score / best if best > 0 else 0.0
            row[_R_RANK] = 1.0 / (1 + rank[law_id])
            ministry = self.agencies.canonical_name(c.suggestion.ministry)
            agency = ev.agencies.get(ministry)
            row[_R_AGENCY] = agency.suggestion.score if agency is not None else 0.0
            row[_R_TOP_AGENCY] = 1.0 if ministry and ministry == top_agency else 0.0
            row[_R_EXPLICIT] = c.features[_S_EXPLICIT]
            parent = self.index.law_of(law_id)
            if parent != law_id:
                row[_R_DECREE] = 1.0
                if parent in logits:
                    row[_R_PARENT] = _sigmoid(logits[parent])
                    row[_R_PARENT_TOP] = 1.0 if laws_rank.get(parent) == 0 else 0.0
                    row[_R_PARENT_RATE] = row[_R_PARENT] * c.features[_S_COOCCURS]
            out[law_id] = row
        return out

    def _rerank_statutes(self, ev: _Evidence) -> None:
        """Replace the first-stage statute scores by the second stage's (when fitted)."""
        if self.statute_reranker is None or not ev.statutes:
            return
        coef, intercept = self.statute_reranker
        for law_id, row in self._rerank_features(ev).items():
            ev.statutes[law_id].suggestion.score = _sigmoid(float(row @ coef) + intercept)

    def _agency_rerank_features(self, ev: _Evidence) -> dict[str, np.ndarray]:
        """Second-stage agency features: the first stage's share, and its statutes' evidence
        again after the statutes' second stage (which read the first agency ranking)."""
        ranked = sorted(ev.statutes.values(), key=lambda c: -c.suggestion.score)
        best: dict[str, float] = {}
        summed: dict[str, float] = defaultdict(float)
        place: dict[str, float] = {}
        for rank, c in enumerate(ranked):
            ministry = self.agencies.canonical_name(c.suggestion.ministry)
            if not ministry:
                continue
            best[ministry] = max(best.get(ministry, 0.0), c.suggestion.score)
            summed[ministry] += c.suggestion.score
            place.setdefault(ministry, 1.0 / (1 + rank))
        total = sum(summed.values()) or 1.0
        scale = -math.log(_LOG_FLOOR)
        out = {}
        for name, a in ev.agencies.items():
            row = np.zeros(_N_AGENCY_RERANK_FEATURES)
            row[_AR_FIRST] = 1 + math.log(max(a.suggestion.score, _LOG_FLOOR)) / scale
            row[_AR_MAX] = best.get(name, 0.0)
            row[_AR_SUM] = min(summed.get(name, 0.0), 2.0)
            row[_AR_SHARE] = summed.get(name, 0.0) / total
            row[_AR_PLACE] = place.get(name, 0.0)
            row[_AR_TOP] = 1.0 if place.get(name) == 1.0 else 0.0
            row[_AR_CLASSIFIER] = a.features[_A_LOG_CLASSIFIER]
            row[_AR_USUAL] = a.features[_A_LOG_USUAL]
            row[_AR_MENTION] = a.features[_A_MENTION]
            out[name] = row
        return out

    def _rerank_agencies(self, ev: _Evidence) -> None:
        """Replace the agency scores by the second stage's softmax over the text's candidates."""
        if self.agency_reranker is None or not ev.agencies:
            return
        rows = self._agency_rerank_features(ev)
        logits = np.array([float(rows[name] @ self.agency_reranker) for name in ev.agencies])
        shares = np.exp(logits - logits.max())
        shares /= shares.sum()
        for a, share in zip(ev.agencies.values(), shares, strict=True):
            a.suggestion.score = float(share)

    def _agency_features(self, ev: _Evidence) -> None:
        """Agency features that follow the (scored) statutes: each statute votes for its ministry."""
        ranked = sorted(ev.statutes.values(), key=lambda c: -c.suggestion.score)
        for rank, c in enumerate(ranked[:6]):
            s = c.suggestion
            if not s.ministry:
                continue
            a = ev.agency(self.agencies.canonical_name(s.ministry))
            a.features[_A_STATUTE_MAX] = max(a.features[_A_STATUTE_MAX], s.score)
            a.features[_A_STATUTE_SUM] = min(a.features[_A_STATUTE_SUM] + s.score, 2.0)
            if s.explicit:
                a.features[_A_EXPLICIT] = 1.0
            if rank == 0:
                a.features[_A_TOP_STATUTE] = 1.0
            a.suggestion.reasons.append(f"{s.name}의 소관부처 (근거 점수 {s.score:.2f})")
        # the usual agencies of the sectors the text is in (weighted by the sector probabilities)
        usual: dict[str, float] = defaultdict(float)
        for code, p in zip(SECTORS, ev.sectors, strict=True):
            for name, share in ev.sector_agencies.get(code, {}).items():
                usual[name] += float(p) * share
        best_sector = SECTORS[int(np.argmax(ev.sectors))]
        ev.usual = sorted(usual, key=lambda name: -usual[name])[:_SECTOR_USUAL_CANDIDATES]
        for name, share in sorted(usual.items(), key=lambda kv: -kv[1])[:_SECTOR_USUAL_CANDIDATES]:
            a = ev.agency(name)
            a.suggestion.reasons.append(f"{SECTOR_NAMES[best_sector]} 분야 건의를 주로 처리하는 기관 ({share:.0%})")
        # does the complaint's field fit the agency (the sectors of the complaints it handled)?
        uniform = np.full(len(SECTORS), 1.0 / len(SECTORS))
        for name, a in ev.agencies.items():
            a.features[_A_SECTOR_AGREE] = float(ev.sectors @ ev.agency_sectors.get(name, uniform))
            a.features[_A_SECTOR_USUAL] = usual.get(name, 0.0)
        law_rank: dict[str, float] = {}
        retrieval_rank: dict[str, float] = {}
        for rank, c in enumerate(ranked):
            ministry = self.agencies.canonical_name(c.suggestion.ministry)
            law_rank.setdefault(ministry, 1.0 / (1 + rank))
            retrieval_rank[ministry] = max(retrieval_rank.get(ministry, 0.0), float(c.features[_S_RANK]))
        scale = -math.log(_LOG_FLOOR)
        for name, a in ev.agencies.items():
            a.features[_A_LOG_CLASSIFIER] = 1 + math.log(max(ev.ministry_p.get(name, 0.0), _LOG_FLOOR)) / scale
            a.features[_A_LOG_USUAL] = 1 + math.log(max(usual.get(name, 0.0), _LOG_FLOOR)) / scale
            a.features[_A_LAW_RANK] = law_rank.get(name, 0.0)
            a.features[_A_RETRIEVAL_RANK] = retrieval_rank.get(name, 0.0)
            place = ev.profile_rank.get(name)
            a.features[_A_PROFILE_RANK] = 1.0 / (1 + place) if place is not None else 0.0

    def _score_agencies(self, ev: _Evidence) -> None:
        coef, intercept = self.agency_combiner or _DEFAULT_AGENCY_COMBINER
        if self.agency_softmax and self.agency_combiner is not None and ev.agencies:
            logits = np.array([float(a.features @ coef) for a in ev.agencies.values()])
            shares = np.exp(logits - logits.max())
            shares /= shares.sum()
            for a, share in zip(ev.agencies.values(), shares, strict=True):
                a.suggestion.score = float(share)
            return
        for a in ev.agencies.values():
            a.suggestion.score = _sigmoid(float(a.features @ coef) + intercept)

    def _combine(
        self,
        analysis: _Analysis,
        sector_p: np.ndarray,
        agency_p: np.ndarray,
        statute_p: np.ndarray,
        stacked_p: np.ndarray | None = None,
    ) -> Routing:
        assert self.sector_model is not None
        classes = [normalize_sector(str(c)) for c in self.sector_model.classes_]
        sector_scores = dict.fromkeys(SECTORS, 0.0)
        for code, p in zip(classes, sector_p, strict=True):
            sector_scores[code] += float(p)
        if stacked_p is not None:  # the stacked sector model (routing.sector_model), SECTORS order
            sector_scores = {code: float(p) for code, p in zip(SECTORS, stacked_p, strict=True)}
        if not analysis.text:  # nothing to read: say so with a flat distribution
            sector_scores = dict.fromkeys(SECTORS, 1.0 / len(SECTORS))

        ev = self._evidence(analysis, agency_p, statute_p, sector_p)
        return self._decide(analysis, ev, sector_scores)

    def _decide(self, analysis: _Analysis, ev: _Evidence, sector_scores: dict[str, float]) -> Routing:
        """Score the candidates of ``ev`` and choose the statutes and agencies to propose."""
        w = self.weights
        self._score_statutes(ev)
        # the agencies follow the first-stage statute scores; the second stage reads them back
        self._agency_features(ev)
        self._score_agencies(ev)
        self._rerank_statutes(ev)
        self._rerank_agencies(ev)
        ranked = sorted((c.suggestion for c in ev.statutes.values()), key=lambda s: -s.score)
        implied = self.statute_threshold if self.statute_threshold is not None else w.statute_threshold
        named = self.statute_threshold_named if self.statute_threshold_named is not None else implied
        proposed = _select_statutes(
            ranked,
            lambda s: (s.score, s.explicit),
            implied=implied,
            named=named,
            limit=w.max_statutes,
            floor=self.statute_floor or 0.0,
        )
        if not analysis.text:
            proposed = [s for s in proposed if s.explicit]
        ranked_agencies = _rank_agencies(ev, self.agency_cut or 0.0, self.agency_law_floor)
        sector = max(sector_scores, key=lambda k: sector_scores[k])
        return Routing(
            sector, sector_scores, ranked_agencies[:5], proposed, analysis.refs, [s.law_id for s in ranked[:10]]
        )

    # -- the evidence combiner, fitted on out-of-fold predictions ---------------------------
    def _fit_combiners(self, items: Sequence[LabelledBarrier], analyses: list[_Analysis]) -> None:
        """Learn how much each kind of evidence is worth, on predictions for unseen rules.

        The learned parts are refitted on inner folds grouped by cluster, and the combiners are
        fitted on their predictions for the held-out inner fold, so they learn how far a label
        classifier can be trusted on a *new* rule (not on its own training text). Too few groups
        (a handful of hand-written barriers): the a-priori defaults stay.
        """
        groups = [i.cluster or i.id for i in items]
        if len(set(groups)) < 6 or len(items) < 30:
            return
        self._fit_combiners_on(self._inner_evidences(items, analyses))

    def _inner_evidences(
        self, items: Sequence[LabelledBarrier], analyses: list[_Analysis]
    ) -> list[tuple[_Evidence, LabelledBarrier]]:
        """Each item's evidence as seen by label models fitted on the other inner folds (grouped)."""
        groups = [i.cluster or i.id for i in items]
        evidences: list[tuple[_Evidence, LabelledBarrier]] = []
        for train, test in GroupKFold(n_splits=3).split(items, groups=groups):
            inner = replace(
                self,
                statute_combiner=None,
                agency_combiner=None,
                statute_reranker=None,
                statute_threshold=None,
                statute_threshold_named=None,
            )
            inner._fit_learned([items[i] for i in train], [analyses[i] for i in train])
            features = inner._matrix([analyses[i] for i in test])
            assert inner.agency_model is not None and inner.sector_model is not None
            agency_p = inner.agency_model.predict_proba(features)
            statute_p = inner._statute_probabilities(features)
            sector_p = inner.sector_model.predict_proba(features)
            for row, i in enumerate(test):
                evidences.append((inner._evidence(analyses[i], agency_p[row], statute_p[row], sector_p[row]), items[i]))
        return evidences

    def _fit_combiners_on(self, evidences: list[tuple[_Evidence, LabelledBarrier]]) -> None:
        """Fit the combiners, thresholds and cut-off on out-of-fold evidence (mutates it: scores)."""
        x, y = [], []
        for ev, item in evidences:
            gold = set(self._statute_ids(item.statutes))
            for law_id, c in ev.statutes.items():
                x.append(c.features)
                y.append(law_id in gold)
        if len(set(y)) < 2:
            return
        model = LogisticRegression(C=1.0, max_iter=2000).fit(np.array(x), np.array(y))
        self.statute_combiner = (model.coef_[0].copy(), float(model.intercept_[0]))
        for ev, _item in evidences:
            self._score_statutes(ev)
        self._fit_agency_combiner(evidences)
        # the second stage: each candidate against the text's other candidates and the agencies
        x, y = [], []
        for ev, item in evidences:
            gold = set(self._statute_ids(item.statutes))
            for law_id, row in self._rerank_features(ev).items():
                x.append(row)
                y.append(law_id in gold)
        model = LogisticRegression(C=1.0, max_iter=2000).fit(np.array(x), np.array(y))
        self.statute_reranker = (model.coef_[0].copy(), float(model.intercept_[0]))
        scored = []
        for ev, item in evidences:
            self._rerank_statutes(ev)
            gold = set(self._statute_ids(item.statutes))
            cands = [(c.suggestion.score, c.suggestion.explicit, law_id in gold) for law_id, c in ev.statutes.items()]
            scored.append((sorted(cands, key=lambda c: -c[0]), len(gold)))
        self._fit_statute_thresholds(scored)
        self._fit_agency_reranker(evidences)

    def _fit_agency_reranker(self, evidences: list[tuple[_Evidence, LabelledBarrier]]) -> None:
        """The agencies' second stage (a conditional logit on :meth:`_agency_rerank_features`), on
        the evidence whose statutes the second stage has scored; then the cut-off again."""
        if self.agency_combiner is None:
            return
        candidates, answers = [], []
        for ev, item in evidences:
            primary = self.agencies.canonical_name(item.ministries[0]) if item.ministries else ""
            names = list(ev.agencies)
            if primary in names and len(names) > 1:
                rows = self._agency_rerank_features(ev)
                candidates.append(np.array([rows[name] for name in names]))
                answers.append(names.index(primary))
        if len(candidates) < 10:
            return
        self.agency_reranker = _fit_conditional_logit(candidates, answers)
        for ev, _item in evidences:
            self._rerank_agencies(ev)
        self._fit_agency_cut(evidences)

    def _fit_statute_thresholds(self, ranked_scored: list[tuple[list[tuple[float, bool, bool]], int]]) -> None:
        """The proposal thresholds (text naming a statute or not) and the floor that maximise
        statute F1 over ``ranked_scored``: per text, its candidates (score, named, right) best first
        and its number of gold statutes."""

        def f1_of(implied: float, named: float, floor: float) -> float:
            tp = fp = fn = 0
            for cands, n_gold in ranked_scored:
                got = _select_statutes(
                    cands, lambda c: (c[0], c[1]), implied=implied, named=named,
                    limit=self.weights.max_statutes, floor=floor,
                )  # fmt: skip
                hits = sum(hit for _s, _e, hit in got)
                tp, fp, fn = tp + hits, fp + len(got) - hits, fn + n_gold - hits
            return 2 * tp / (2 * tp + fp + fn) if tp else 0.0

        grid = [float(t) for t in np.arange(0.1, 0.8, 0.05)]
        best_f1, best_t, best_named = -1.0, self.weights.statute_threshold, self.weights.statute_threshold
        for t_implied in grid:
            for t_named in grid:
                f1 = f1_of(t_implied, t_named, 0.0)
                if f1 > best_f1:
                    best_f1, best_t, best_named = f1, t_implied, t_named
        self.statute_threshold, self.statute_threshold_named = best_t, best_named
        # then the floor under the best candidate of a text with none above its threshold
        best_floor, best_f1 = 0.0, -1.0
        for floor in (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3):
            f1 = f1_of(best_t, best_named, floor)
            if f1 > best_f1:
                best_f1, best_floor = f1, floor
        self.statute_floor = best_floor

    def _fit_agency_combiner(self, evidences: list[tuple[_Evidence, LabelledBarrier]]) -> None:
        """Agencies compete for one place (the primary competent agency): a conditional logit, the
        softmax over each text's candidates, fitted on the texts whose answer is a candidate; then
        the confidence cut-off under which the sector's usual agencies are proposed first."""
        candidates, answers = [], []
        for ev, item in evidences:
            self._agency_features(ev)
            primary = self.agencies.canonical_name(item.ministries[0]) if item.ministries else ""
            names = list(ev.agencies)
            if primary in names and len(names) > 1:
                candidates.append(np.array([ev.agencies[name].features for name in names]))
                answers.append(names.index(primary))
        if len(candidates) >= 10:
            self.agency_combiner = (_fit_conditional_logit(candidates, answers), 0.0)
            self.agency_softmax = True
        for ev, _item in evidences:
            self._score_agencies(ev)
        if self.agency_combiner is None:
            return
        self._fit_agency_cut(evidences)

    def _fit_agency_cut(self, evidences: list[tuple[_Evidence, LabelledBarrier]]) -> None:
        """The agency confidence cut-off and law-evidence floor (see :func:`_rank_agencies`) that
        put the primary agency first, or else among the first three, most often."""
        primaries = [
            self.agencies.canonical_name(item.ministries[0]) if item.ministries else "" for _e, item in evidences
        ]
        # with the weakest law evidence that still counts as support: the strictest that loses
        # nothing (ties go to the stricter floor — fewer unrelated proposals)
        best_cut, best_floor, best_hits = 0.0, 0.0, -1
        for floor in _AGENCY_LAW_FLOORS:
            for cut in _AGENCY_CUTS:
                hits = 0
                for (ev, _item), primary in zip(evidences, primaries, strict=True):
                    names = [a.name for a in _rank_agencies(ev, cut, floor)[:3]]
                    hits += (names[:1] == [primary]) + (primary in names)
                if hits > best_hits or (hits == best_hits and floor > best_floor):
                    best_cut, best_floor, best_hits = cut, floor, hits
        self.agency_cut, self.agency_law_floor = best_cut, best_floor


def _fit_conditional_logit(candidates: Sequence[np.ndarray], answers: Sequence[int], *, l2: float = 1.0) -> np.ndarray:
    """Weights ``w`` maximising Σ log softmax(X·w)[answer] − l2/2·|w|² over texts (X: a text's
    candidates x features; answer: the row of the right one)."""
    from scipy.optimize import minimize

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.5 * l2 * float(w @ w), l2 * w
        for x, answer in zip(candidates, answers, strict=True):
            z = x @ w
            top = z.max()
            p = np.exp(z - top)
            norm = p.sum()
            p /= norm
            total -= float(z[answer] - top - math.log(norm))
            grad = grad + x.T @ p - x[answer]
        return total, grad

    start = np.zeros(candidates[0].shape[1])
    return np.asarray(minimize(loss, start, jac=True, method="L-BFGS-B").x)


def _rank_agencies(ev: _Evidence, cut: float, law_floor: float = 0.0) -> list[AgencySuggestion]:
    """Agencies best first; after the best one, those scored below ``cut`` only after the usual
    agencies of the text's sectors (a weak guess from a stray profile match is worth less than
    the sector's norm)."""
    ranked = sorted((a.suggestion for a in ev.agencies.values()), key=lambda a: -a.score)
    # after the best one, only agencies with some evidence of their own: a law of theirs among the
    # candidates, named in the text, or the classifier or the sector's norm behind them (a ministry
    # whose vocabulary the text merely shares is no proposal: 원격진료 → not 법원행정처)
    ranked = ranked[:1] + [a for a in ranked[1:] if _supported(ev.agencies[a.name].features, law_floor)]
    sure = ranked[:1] + [a for a in ranked[1:] if a.score >= cut]
    taken = {a.name for a in sure}
    usual = [ev.agencies[name].suggestion for name in ev.usual if name in ev.agencies and name not in taken]
    taken.update(a.name for a in usual)
    return sure + usual + [a for a in ranked if a.name not in taken]


_SUPPORT_FLOOR = 0.05  # classifier or sector-norm probability that counts as support of an agency


def _supported(features: np.ndarray, law_floor: float = 0.0) -> bool:
    """Whether an agency candidate has evidence beyond a shared vocabulary (see _rank_agencies):
    a law of its scored above ``law_floor`` (fitted), named in the text, or the classifier or the
    sector's norm behind it."""
    return bool(
        features[_A_STATUTE_MAX] > law_floor
        or features[_A_MENTION] > 0
        or features[_A_CLASSIFIER] >= _SUPPORT_FLOOR
        or features[_A_SECTOR_USUAL] >= _SUPPORT_FLOOR
    )


def _select_statutes(
    ranked: Sequence[Any], key: Any, *, implied: float, named: float, limit: int, floor: float = 0.0
) -> list[Any]:
    """The statutes to propose from candidates ranked best first (``key`` → (score, explicit)).

    Named statutes always; others from their threshold, which differs when the text names a
    statute itself (a complaint citing its law seldom needs a guessed one) from when it names
    none; at most ``limit``. When none reaches its threshold, the best candidate still if its
    score reaches ``floor`` (a weak guess is no proposal), else none.
    """
    cites = any(key(c)[1] for c in ranked)
    threshold = named if cites else implied
    chosen = [c for c in ranked if key(c)[1] or key(c)[0] >= threshold][: max(limit, 1)]
    return chosen or [c for c in ranked[:1] if key(c)[0] >= floor]


def _sigmoid(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(value, 30.0), -30.0)))


# Feature positions of a statute candidate and of an agency candidate.
_S_EXPLICIT, _S_ARTICLES, _S_LEARNED, _S_RETRIEVED, _S_RANK, _S_PARENT, _S_DECREE, _S_SECTOR = range(8)
_S_MINISTRY, _S_FREQUENCY, _S_STRENGTH, _S_COOCCURS, _S_PARENT_LEARNED, _S_COOC_PARENT = range(8, 14)
_S_HUB, _S_PROMOTION = 14, 15
# How much of the law's name the text uses; the sector model's agreement with the law's sectors;
# retrieval and name evidence where the agency classifier agrees on the law's ministry.
_S_NAME, _S_SECTOR_AGREE, _S_RET_MINISTRY, _S_NAME_MINISTRY = 16, 17, 18, 19
# the law's profile (name and article titles) and its ministry's profile against the text
_S_PROFILE, _S_MINISTRY_PROFILE = 20, 21
_N_STATUTE_FEATURES = 22
_PROFILE_TOP = 30  # laws whose profile score is kept per text
# Promotion and support acts (진흥·촉진·육성·지원·활용): they frame a field more often than they
# hold the rule that blocks a firm (generic legal vocabulary of statute names).
_PROMOTION = re.compile(r"(진흥|촉진|육성|지원|활성화|기반조성)")
_A_STATUTE_MAX, _A_STATUTE_SUM, _A_EXPLICIT, _A_TOP_STATUTE, _A_MENTION, _A_CLASSIFIER, _A_VOTE = range(7)
_A_SECTOR_AGREE, _A_PROFILE = 7, 8
# P(agency | the text's sectors): the sector's usual agencies, learned in-fold from the labels
_A_SECTOR_USUAL = 9
# The same evidence on a log scale (a conditional logit compares candidates by ratios: 0.3 vs 0.03
# matters more than 0.93 vs 0.90), and ranks: the best rank of the ministry's laws among the
# scored statutes and among the retrieved ones, and of its profile among the ministries'.
_A_LOG_CLASSIFIER, _A_LOG_USUAL, _A_LAW_RANK, _A_RETRIEVAL_RANK, _A_PROFILE_RANK = range(10, 15)
_N_AGENCY_FEATURES = 15
# Second-stage statute features (Router._rerank_features).
_R_LOGIT, _R_SCORE, _R_SHARE, _R_RANK, _R_AGENCY, _R_TOP_AGENCY, _R_EXPLICIT, _R_DECREE = range(8)
_R_PARENT, _R_PARENT_TOP, _R_PARENT_RATE = 8, 9, 10
_N_RERANK_FEATURES = 11
# Second-stage agency features (Router._agency_rerank_features).
_AR_FIRST, _AR_MAX, _AR_SUM, _AR_SHARE, _AR_PLACE, _AR_TOP, _AR_CLASSIFIER, _AR_USUAL, _AR_MENTION = range(9)
_N_AGENCY_RERANK_FEATURES = 9
_LOG_FLOOR = 1e-3
_SECTOR_AGENCIES_KEPT = 8  # usual agencies kept per sector
_SECTOR_USUAL_CANDIDATES = 3  # of them, candidates of every text
_AGENCY_LAW_FLOORS = (0.0, 0.05, 0.1, 0.15, 0.2)  # grid of the law evidence an agency needs (_supported)
_AGENCY_CUTS = (0.0, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.4)  # grid of the agency confidence cut-off
# A-priori combiners, used until there are enough labelled groups to fit them (see _fit_combiners).
_DEFAULT_STATUTE_COMBINER = (
    np.array(
        [4.0, 1.0, 4.0, 1.5, 1.0, 1.0, -1.0, 0.5, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.5, 0.0, 0.0, 0.5, 0.5]
    ),
    -3.0,
)


def _law_strength(features: np.ndarray) -> float:
    """How strongly a law is evidenced before any combining: named, learned or retrieved."""
    return float(max(features[_S_EXPLICIT], features[_S_LEARNED], features[_S_RETRIEVED] * features[_S_RANK]))


_DEFAULT_AGENCY_COMBINER = (np.array([3.0, 1.0, 1.0, 0.5, 1.0, 2.5, 1.0, 0.5, 1.0, 1.0, 0, 0, 0, 0, 0]), -3.0)


@dataclass
class _StatuteCandidate:
    suggestion: StatuteSuggestion
    features: np.ndarray = field(default_factory=lambda: np.zeros(_N_STATUTE_FEATURES))


@dataclass
class _AgencyCandidate:
    suggestion: AgencySuggestion
    features: np.ndarray = field(default_factory=lambda: np.zeros(_N_AGENCY_FEATURES))


@dataclass
class _Evidence:
    statutes: dict[str, _StatuteCandidate] = field(default_factory=dict)
    agencies: dict[str, _AgencyCandidate] = field(default_factory=dict)
    votes: dict[str, float] = field(default_factory=dict)
    sectors: np.ndarray = field(default_factory=lambda: np.full(len(SECTORS), 1.0 / len(SECTORS)))
    agency_sectors: dict[str, np.ndarray] = field(default_factory=dict)  # of the model that made it
    sector_agencies: dict[str, dict[str, float]] = field(default_factory=dict)  # the same
    usual: list[str] = field(default_factory=list)  # the usual agencies of the text's sectors, best first
    ministry_p: dict[str, float] = field(default_factory=dict)  # the text → agency classifier, every class
    profile_rank: dict[str, int] = field(default_factory=dict)  # ministry → rank of its corpus profile
    first_stage: dict[str, float] = field(default_factory=dict)  # statute → first-stage logit

    def agency(self, name: str) -> _AgencyCandidate:
        if name not in self.agencies:
            self.agencies[name] = _AgencyCandidate(AgencySuggestion(name, 0.0))
        return self.agencies[name]


@dataclass
class LinearProbabilities:
    """A fitted linear classifier reduced to arrays: the same probabilities, without scikit-learn's
    per-call input validation (which cost more than the product itself for one text).

    ``kind`` is ``softmax`` (multinomial logistic regression), ``sigmoid`` (binary logistic
    regression) or ``calibrated`` (one-vs-rest linear SVMs with sigmoid calibration per class,
    averaged over the calibration folds, as ``CalibratedClassifierCV`` does).
    """

    classes_: np.ndarray
    kind: str
    coef: list[np.ndarray]  # per member: classes x features (transposed for the product)
    intercept: list[np.ndarray]
    calibration: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # per member: (a, b)

    @classmethod
    def of(cls, model: Any) -> LinearProbabilities:
        if isinstance(model, CalibratedClassifierCV):
            coefs, intercepts, calibration = [], [], []
            for member in model.calibrated_classifiers_:
                estimator = member.estimator
                if len(member.calibrators) != len(model.classes_) or len(model.classes_) < 3:
                    raise ValueError("only multi-class sigmoid calibration is reduced")
                coefs.append(np.asarray(estimator.coef_, dtype=np.float64).T.copy())
                intercepts.append(np.asarray(estimator.intercept_, dtype=np.float64))
                calibration.append(
                    (np.array([c.a_ for c in member.calibrators]), np.array([c.b_ for c in member.calibrators]))
                )
            return cls(np.asarray(model.classes_), "calibrated", coefs, intercepts, calibration)
        kind = "sigmoid" if len(model.classes_) == 2 else "softmax"
        return cls(
            np.asarray(model.classes_),
            kind,
            [np.asarray(model.coef_, dtype=np.float64).T.copy()],
            [np.asarray(model.intercept_, dtype=np.float64)],
        )

    def predict_proba(self, features: sparse.csr_matrix) -> np.ndarray:
        if self.kind == "sigmoid":
            logit = np.asarray(features @ self.coef[0]).ravel() + self.intercept[0][0]
            p = 1.0 / (1.0 + np.exp(-logit))
            return np.column_stack([1.0 - p, p])
        if self.kind == "softmax":
            logits = np.asarray(features @ self.coef[0]) + self.intercept[0]
            logits -= logits.max(axis=1, keepdims=True)
            exp = np.exp(logits)
            return exp / exp.sum(axis=1, keepdims=True)
        total = np.zeros((features.shape[0], len(self.classes_)))
        for coef, intercept, (a, b) in zip(self.coef, self.intercept, self.calibration, strict=True):
            decision = np.asarray(features @ coef) + intercept
            proba = 1.0 / (1.0 + np.exp(a * decision + b))
            denominator = proba.sum(axis=1, keepdims=True)
            uniform = denominator[:, 0] == 0
            proba = np.divide(proba, denominator, out=np.zeros_like(proba), where=denominator != 0)
            proba[uniform] = 1.0 / len(self.classes_)
            proba[(proba > 1.0) & (proba <= 1.0 + 1e-5)] = 1.0
            total += proba
        return total / len(self.coef)


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
    retrieved_top: float = 0.0  # the best law's raw retrieval score (the others are relative to it)
    retrieved_via: dict[str, str] = field(default_factory=dict)  # law id -> "<decree> 제N조" that matched best
    profile_laws: dict[str, float] = field(default_factory=dict)  # best law profiles, relative to the best
    profile_ministries: dict[str, float] = field(default_factory=dict)  # ministry profiles, relative to the best


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
        retriever = ArticleRetriever.from_corpus(
            data_dir / "statutes.jsonl.gz", sector_laws=sector_subset_laws(data_dir / "statutes-sectors.jsonl.gz")
        )
    router = Router(
        index=index,
        retriever=retriever,
        agencies=AgencyNames.from_files(ministries=data_dir / "ministries.tsv"),
        law_sectors=law_sectors_from_corpus(data_dir / "statutes-sectors.jsonl.gz"),
        weights=weights or RouterWeights(),
    )
    router.attach_profiles()
    router.name_keywords = LawNameKeywords.build(index, retriever)
    router.sector_corpus = SectorCorpus.from_router(router, data_dir / "statutes-sectors.jsonl.gz")
    return router


def train_router(data_dir: Path, items: Sequence[LabelledBarrier], **kwargs: Any) -> Router:
    return build_router(data_dir, **kwargs).fit(items)


def save_router(router: Router, path: Path) -> None:
    """Write ``router`` atomically (a temporary file renamed into place).

    Plain pickle (protocol 5), not ``joblib.dump``: joblib unpickles with the pure-Python
    unpickler, which made loading the model ~3× slower; the file name stays ``router.joblib``.
    """
    import pickle

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("wb") as handle:
        pickle.dump(router, handle, protocol=5)
    tmp.replace(path)  # never leave a half-written model where the loader looks


def load_router(path: Path) -> Router:
    """Load a model written by :func:`save_router`; anything else raises ``ValueError``."""
    import pickle

    started = time.perf_counter()
    try:
        with Path(path).open("rb") as handle:
            router = pickle.load(handle)
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, KeyError) as exc:
        raise ValueError(
            f"{path} is not a router model of version {MODEL_VERSION}; retrain it: manage.py train_routing"
        ) from exc
    if not isinstance(router, Router) or router.version != MODEL_VERSION:
        raise ValueError(
            f"{path} is not a router model of version {MODEL_VERSION}; retrain it: manage.py train_routing"
        )
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
