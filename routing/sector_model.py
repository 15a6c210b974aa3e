"""Sector of a complaint from its words *and* from the statute corpus, stacked on unseen rules.

A text classifier trained on ~60 labelled rules knows their vocabulary, not the vocabulary of a
rule nobody labelled. The statute corpus knows every law's words, and its sector subset
(``statutes-sectors.jsonl.gz``) says which laws belong to which sector. :class:`SectorModel`
combines:

1. the text classifier: a sigmoid-calibrated linear SVM over TF-IDF of the router's tokens
   (kiwipiepy content morphemes plus statute tokens) — the Router's sector model until now;
2. corpus evidence, built without labels (:class:`SectorCorpus`):
   - how much likelier the text's words are in each sector's law articles than in the whole
     corpus (a Dirichlet-smoothed log-likelihood ratio per word over the article retriever's
     morpheme BM25 index): the mean over the text's words, the mean of its three strongest
     words, and the naive-Bayes posterior over the five sectors and "none of them";
   - the sector shares of the text's candidate laws (``routing.retrieval.candidate_laws``),
     weighted by retrieval score, of its best law profiles, of the statutes it names, and of
     the laws of the ministries whose field it matches — each with the share of laws *outside*
     the subset as its own feature (labour, immigration, tax, procurement law …);
3. two second opinions on the words (:data:`VIEWS`, :class:`_LinearView`): a softmax
   regression over TF-IDF of character 1–3-grams of the text itself (a word inside a compound or
   with an ending, English and numbers, which carry over to a paraphrase no morpheme of the
   training texts matches), and one over the router's tokens — they err on other texts than the
   calibrated SVMs do, and the stacker weighs them;
4. a small multinomial logistic regression (the *stacker*) over the log-probabilities of the
   text classifier and the views and the corpus evidence, fitted on their **out-of-fold**
   predictions for inner folds grouped by cluster: it learns how far each can be
   trusted on a rule it never saw and when the corpus should overrule them. Its regularisation and
   class weighting are chosen per fit by grouped CV on the training rules (macro-F1), and a
   temperature on its log-odds by the log loss of the same held-out predictions.

"Other" (기타) is not a sector of the corpus subset. A complaint is "other" when the evidence
speaks against all five: its laws lie outside the subset, its words are no likelier in any
sector's articles than in the corpus at large, the classifier is unsure — the stacker's
"outside" and "none" features, learned with the rest rather than by a hand-set threshold. A text
with no evidence at all (no word the classifier or the sector profiles know, no law) is "other"
by rule (:data:`NO_EVIDENCE`), never guessed into a sector from the intercept.

Measured by ``bench/routing_sector.py`` (grouped 5-fold CV by cluster on barriers-dev; see
its output for the figures): the two views took sector accuracy from 0.831 to 0.869 and macro-F1
from 0.809 to 0.859 ("other" F1 0.57 → 0.72), Brier 0.259 → 0.224. Tried and dropped: word
profiles widened to every law of a ministry whose subset laws share a sector (0.811: 보건복지부's
welfare laws are not bio-health, 국토교통부's building laws not mobility); a lower stacker C (the
inner folds pick it, but held-out accuracy did not move). At prediction time everything is arrays
(no scikit-learn call per text); see the bench for the CPU per text.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold
from sklearn.svm import LinearSVC

from routing.retrieval import tfidf_transform

# Same codes and order as routing.classifier.SECTORS (not imported: the Router imports this module).
SECTORS: tuple[str, ...] = ("fintech", "mobility", "robots", "ai", "biohealth", "other")
CORPUS_SECTORS: tuple[str, ...] = SECTORS[:5]  # the sectors the corpus subset knows
GENERAL = "general"  # sandbox, SME and venture laws of the subset: no one sector
# Sector codes of the corpus subset (statutes-README.md) and of data sets, as SECTORS codes.
_CORPUS_CODES = {
    "fintech": "fintech",
    "mobility": "mobility",
    "drones": "mobility",
    "robot": "robots",
    "robots": "robots",
    "ai": "ai",
    "ai_data_privacy": "ai",
    "bio_health": "biohealth",
    "biohealth": "biohealth",
    "sandbox_general": GENERAL,
    "other": "other",
}
_STRONGEST_WORDS = 3
_SHARE_KINDS = (*CORPUS_SECTORS, GENERAL, "outside")  # where a text's laws lie


def sector_code(label: str) -> str:
    """A code of :data:`SECTORS` for a label of the data set or the corpus; unknown → ``other``."""
    code = _CORPUS_CODES.get(label, label)
    return code if code in SECTORS else "other"


@dataclass(frozen=True)
class SectorInput:
    """What the sector model reads of one text (all of it is in the Router's analysis).

    ``tokens``: the text classifier's document (the Router's ``_tokens``: morphemes and statute
    tokens, space separated); ``morphemes``: the text's content morphemes; ``candidates``: the
    corpus' candidate laws as (law id, score), best first; ``profile_laws``: the best law profiles
    as (law id, score); ``named``: the statutes the text names (law, decree or rule ids);
    ``profile_ministries``: the ministries whose field's vocabulary the text shares, (name, score).
    """

    tokens: str
    morphemes: Sequence[str]
    candidates: Sequence[tuple[str, float]] = ()
    profile_laws: Sequence[tuple[str, float]] = ()
    named: Sequence[str] = ()
    profile_ministries: Sequence[tuple[str, float]] = ()
    text: str = ""  # the text itself (normalised), for the character view; "" reads as no characters


def input_from_analysis(router: Any, analysis: Any, *, tokens: str | None = None) -> SectorInput:
    """The :class:`SectorInput` of a ``routing.classifier._Analysis`` read by ``router``.

    ``tokens``: the router's ``_tokens(analysis)`` when the caller has built them already (the
    Router does, for its own TF-IDF matrix): they are not rebuilt then.
    """
    return SectorInput(
        tokens=router._tokens(analysis) if tokens is None else tokens,
        morphemes=tuple(analysis.morphemes),
        candidates=tuple((law_id, float(score)) for law_id, score, _number, _title in analysis.retrieved),
        profile_laws=tuple(analysis.profile_laws.items()),
        named=tuple(analysis.refs.statute_ids()),
        profile_ministries=tuple(analysis.profile_ministries.items()),
        text=str(getattr(analysis, "text", "") or ""),
    )


# ---- label-free corpus evidence -----------------------------------------------------------
@dataclass
class SectorCorpus:
    """Which sector each law of the corpus subset belongs to, and each sector's word profile.

    ``log_ratio[t, s]`` is log P(word t | articles of sector s's laws) − log P(t | all articles),
    from the BM25 term weights of the retriever's morpheme index, Dirichlet-smoothed towards
    the corpus so a word a sector never uses is neutral-to-negative rather than −∞.
    """

    law_sector: dict[str, str]  # law/decree/rule id -> a CORPUS_SECTORS code or GENERAL
    # ministry -> where its laws lie (_SHARE_KINDS shares): 금융위원회 mostly fintech, 고용노동부 outside
    ministry_sector: dict[str, np.ndarray] = field(default_factory=dict)
    vocabulary: dict[str, int] = field(default_factory=dict)
    log_ratio: np.ndarray = field(default_factory=lambda: np.zeros((0, len(CORPUS_SECTORS))))

    @classmethod
    def from_files(cls, sectors_path: Path | str, morpheme_index: Any | None = None) -> SectorCorpus:
        """Read the subset's sectors from ``statutes-sectors.jsonl.gz``; with the article
        retriever's ``morpheme_index`` (:class:`routing.retrieval.MorphemeRetriever`) also the
        sectors' word profiles."""
        return cls.build(_read_law_sectors(Path(sectors_path)), morpheme_index)

    @classmethod
    def from_router(cls, router: Any, sectors_path: Path | str) -> SectorCorpus:
        """From a (trained or untrained) ``routing.classifier.Router``'s label-free corpus parts."""
        retriever = router.retriever
        law_ministry: dict[str, str] = {}
        if retriever is not None:
            for law_id in retriever.law_ids:
                name = router.index.ministry(law_id) if law_id in router.index else ""
                if name:
                    law_ministry[law_id] = router.agencies.canonical_name(name)
        return cls.build(
            _read_law_sectors(Path(sectors_path)),
            getattr(retriever, "morpheme_index", None),
            law_ministry=law_ministry,
        )

    @classmethod
    def build(
        cls,
        law_sector: dict[str, str],
        morpheme_index: Any | None = None,
        *,
        law_ministry: dict[str, str] | None = None,
        mu: float = 2000.0,
    ) -> SectorCorpus:
        """``law_sector``: law id → sector code or ``general``; ``morpheme_index``: the article
        retriever's :class:`routing.retrieval.MorphemeRetriever`; ``law_ministry``: law id →
        competent ministry (canonical name), for every law of the corpus; ``mu``: the Dirichlet
        smoothing mass of the word profiles."""
        corpus = cls(law_sector=dict(law_sector))
        counts: dict[str, np.ndarray] = {}
        for law_id, ministry in (law_ministry or {}).items():
            row = counts.setdefault(ministry, np.zeros(len(_SHARE_KINDS)))
            row[_SHARE_KINDS.index(corpus.sector_of(law_id))] += 1.0
        corpus.ministry_sector = {name: row / row.sum() for name, row in counts.items()}
        if morpheme_index is None or not getattr(morpheme_index, "vocabulary", None):
            return corpus
        matrix = morpheme_index.matrix_t  # terms x articles
        article_law = np.asarray(morpheme_index.article_law)
        law_ids = list(morpheme_index.law_ids)
        n_articles = matrix.shape[1]
        membership = np.zeros((n_articles, len(CORPUS_SECTORS)), dtype=np.float64)
        position = {code: k for k, code in enumerate(CORPUS_SECTORS)}
        for article, law in enumerate(article_law):
            code = law_sector.get(law_ids[int(law)])
            if code in position:
                membership[article, position[code]] = 1.0
        per_sector = np.asarray(matrix @ membership)  # terms x sectors
        background = np.asarray(matrix.sum(axis=1)).ravel().astype(np.float64)
        p_background = background / max(background.sum(), 1e-12)
        totals = per_sector.sum(axis=0)
        smoothed = (per_sector + mu * p_background[:, None]) / (totals[None, :] + mu)
        with np.errstate(divide="ignore"):
            ratio = np.log(smoothed) - np.log(np.maximum(p_background, 1e-300))[:, None]
        ratio[background <= 0] = 0.0
        corpus.vocabulary = morpheme_index.vocabulary  # shared, not copied: pickled once with the router
        corpus.log_ratio = ratio.astype(np.float32)
        return corpus

    def sector_of(self, law_id: str) -> str:
        """The law's subset sector, ``general``, or ``outside`` (not in the subset)."""
        return self.law_sector.get(law_id, "outside")

    def word_evidence(self, morphemes: Sequence[str]) -> np.ndarray:
        """Per corpus sector: the mean log-likelihood ratio of the text's distinct indexed words,
        then the mean of its three strongest words (one 병원 or 드론 marks the field even in a
        text about data or money)."""
        columns = sorted({self.vocabulary[w] for w in (m.lower() for m in morphemes) if w in self.vocabulary})
        if not columns:
            return np.zeros(2 * len(CORPUS_SECTORS))
        ratios = np.asarray(self.log_ratio[columns], dtype=np.float64)
        strongest = -np.sort(-ratios, axis=0)[:_STRONGEST_WORDS].mean(axis=0)
        return np.concatenate([ratios.mean(axis=0), strongest])

    def word_posterior(self, morphemes: Sequence[str]) -> np.ndarray:
        """P(sector | words) over the five sectors and the whole corpus (the sixth, "none of
        them"), equal priors: a naive-Bayes reading of the text against the corpus."""
        columns = [self.vocabulary[w] for w in (m.lower() for m in morphemes) if w in self.vocabulary]
        logits = np.zeros(len(CORPUS_SECTORS) + 1)
        if columns:
            logits[: len(CORPUS_SECTORS)] = self.log_ratio[columns].sum(axis=0)
        logits -= logits.max()
        p = np.exp(logits)
        return p / p.sum()

    def ministry_shares(self, ministries: Iterable[tuple[str, float]]) -> np.ndarray:
        """Where the laws of the text's best-matching ministries lie, weighted by match."""
        out = np.zeros(len(_SHARE_KINDS))
        total = 0.0
        for name, score in ministries:
            row = self.ministry_sector.get(name)
            if row is not None and score > 0:
                out += score * row
                total += score
        return out / total if total > 0 else out

    def knows(self, morphemes: Sequence[str]) -> bool:
        """Whether any of the words is in the sectors' word profiles."""
        return any(m.lower() in self.vocabulary for m in morphemes)

    def shares(self, laws: Iterable[tuple[str, float]]) -> np.ndarray:
        """Score-weighted shares of the laws over the five sectors, ``general`` and ``outside``."""
        out = np.zeros(len(_SHARE_KINDS))
        for law_id, score in laws:
            if score > 0:
                out[_SHARE_KINDS.index(self.sector_of(law_id))] += score
        total = out.sum()
        return out / total if total > 0 else out

    def features(self, item: SectorInput, *, top: int = 10) -> np.ndarray:
        """The corpus evidence of one text (see :data:`CORPUS_FEATURES`)."""
        words = self.word_evidence(item.morphemes)
        mean_words = words[: len(CORPUS_SECTORS)]
        candidates = self.shares(item.candidates[:top])
        profiles = self.shares(sorted(item.profile_laws, key=lambda kv: -kv[1])[:top])
        named = self.shares((law_id, 1.0) for law_id in item.named)
        has_named = 1.0 if len(item.named) else 0.0
        has_laws = 1.0 if len(item.candidates) else 0.0
        posterior = self.word_posterior(item.morphemes)
        ministries = self.ministry_shares(sorted(item.profile_ministries, key=lambda kv: -kv[1])[:3])
        return np.concatenate(
            [words, [mean_words.max()], posterior, candidates, profiles, named, ministries, [has_named, has_laws]]
        )


CORPUS_FEATURES: tuple[str, ...] = (
    *(f"words_{s}" for s in CORPUS_SECTORS),
    *(f"strongest_words_{s}" for s in CORPUS_SECTORS),
    "words_max",
    *(f"posterior_{s}" for s in (*CORPUS_SECTORS, "none")),
    *(f"candidates_{k}" for k in _SHARE_KINDS),
    *(f"profiles_{k}" for k in _SHARE_KINDS),
    *(f"named_{k}" for k in _SHARE_KINDS),
    *(f"ministries_{k}" for k in _SHARE_KINDS),
    "names_a_statute",
    "has_candidates",
)


def _read_law_sectors(path: Path) -> dict[str, str]:
    """law id → sector code for every line of the sector subset (decrees and rules too, and the
    parent law of each)."""
    sectors: dict[str, str] = {}
    opener: Any = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            code = _CORPUS_CODES.get(row.get("sector") or "")
            if code is None or code == "other":
                continue
            sectors[str(row["law_id"])] = code
            if row.get("parent_law_id"):
                sectors.setdefault(str(row["parent_law_id"]), code)
    return sectors


# ---- the learned parts --------------------------------------------------------------------
@dataclass
class _TextModel:
    """Calibrated one-vs-rest linear SVMs over TF-IDF, reduced to arrays (as the Router's)."""

    vectorizer: TfidfVectorizer
    classes: list[str]
    coef: list[np.ndarray]  # per calibration member: features x classes
    intercept: list[np.ndarray]
    calibration: list[tuple[np.ndarray, np.ndarray]]
    softmax: bool = False  # a plain logistic regression (too few groups to calibrate)

    @classmethod
    def fit(cls, docs: Sequence[str], labels: Sequence[str], groups: Sequence[str], *, c: float) -> _TextModel:
        vectorizer = TfidfVectorizer(token_pattern=r"\S+", sublinear_tf=True, min_df=1, lowercase=False)
        features = vectorizer.fit_transform(docs)
        labels = list(labels)
        classes = sorted(set(labels))
        folds = min(3, len(set(groups)))
        counts = {label: labels.count(label) for label in classes}
        splits = list(GroupKFold(n_splits=folds).split(features, labels, groups)) if folds >= 2 else []
        calibrate = (
            len(classes) >= 3
            and min(counts.values()) >= 2
            and bool(splits)
            and all(len({labels[i] for i in train}) == len(classes) for train, _ in splits)
        )
        if not calibrate:
            if len(classes) < 2:
                coef = np.zeros((features.shape[1], 1))
                return cls(vectorizer, classes, [coef], [np.zeros(1)], [], softmax=True)
            model = LogisticRegression(C=10.0, max_iter=3000).fit(features, labels)
            coef = np.asarray(model.coef_, dtype=np.float64)
            intercept = np.asarray(model.intercept_, dtype=np.float64)
            if len(model.classes_) == 2:  # binary: one logit, as two softmax columns
                coef = np.vstack([-coef / 2, coef / 2])
                intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
            return cls(vectorizer, [str(x) for x in model.classes_], [coef.T.copy()], [intercept], [], softmax=True)
        model = CalibratedClassifierCV(LinearSVC(C=c, random_state=0), method="sigmoid", cv=splits).fit(
            features, labels
        )
        coefs, intercepts, calibration = [], [], []
        for member in model.calibrated_classifiers_:
            coefs.append(np.asarray(member.estimator.coef_, dtype=np.float64).T.copy())
            intercepts.append(np.asarray(member.estimator.intercept_, dtype=np.float64))
            calibration.append(
                (np.array([k.a_ for k in member.calibrators]), np.array([k.b_ for k in member.calibrators]))
            )
        return cls(vectorizer, [str(x) for x in model.classes_], coefs, intercepts, calibration)

    def known_terms(self, docs: Sequence[str]) -> np.ndarray:
        """How many of each document's tokens the classifier has a weight for."""
        vocabulary = self.vectorizer.vocabulary_
        return np.array([sum(1 for token in doc.split() if token in vocabulary) for doc in docs])

    def predict_proba(self, docs: Sequence[str]) -> np.ndarray:
        """(texts x SECTORS) probabilities; a sector the training labels lacked gets 0."""
        features = tfidf_transform(self.vectorizer, docs)
        total = np.zeros((len(docs), len(self.classes)))
        if self.softmax:
            logits = np.asarray(features @ self.coef[0]) + self.intercept[0]
            logits -= logits.max(axis=1, keepdims=True)
            total = np.exp(logits)
            total /= total.sum(axis=1, keepdims=True)
        else:
            for coef, intercept, (a, b) in zip(self.coef, self.intercept, self.calibration, strict=True):
                decision = np.asarray(features @ coef) + intercept
                proba = 1.0 / (1.0 + np.exp(a * decision + b))
                denominator = proba.sum(axis=1, keepdims=True)
                proba = np.divide(
                    proba, denominator, out=np.full_like(proba, 1.0 / len(self.classes)), where=denominator > 0
                )
                total += proba
            total /= len(self.coef)
        out = np.zeros((len(docs), len(SECTORS)))
        for k, code in enumerate(self.classes):
            out[:, SECTORS.index(sector_code(code))] += total[:, k]
        return out


@dataclass
class _LinearView:
    """A multinomial logistic regression over TF-IDF of one reading of the text, as arrays.

    ``kind`` ``"chars"``: character 1–3-grams within words of the text itself — they match a
    word's stem in any inflection, a compound's parts (의료영상, 가명처리), English and numbers the
    morpheme analyser splits or drops, and they carry over to paraphrases no morpheme of the
    training texts matches. ``"tokens"``: the router's tokens (morphemes and statute tokens),
    read by a softmax model rather than the calibrated one-vs-rest SVMs of :class:`_TextModel`:
    the same words, a second opinion that errs elsewhere.
    """

    kind: str
    vectorizer: TfidfVectorizer
    classes: list[str]
    coef: np.ndarray  # features x classes
    intercept: np.ndarray

    @staticmethod
    def document(kind: str, item: SectorInput) -> str:
        return item.text if kind == "chars" else item.tokens

    @classmethod
    def fit(cls, kind: str, items: Sequence[SectorInput], codes: Sequence[str]) -> _LinearView:
        if kind == "chars":
            vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, min_df=2)
        else:
            vectorizer = TfidfVectorizer(token_pattern=r"\S+", sublinear_tf=True, min_df=1, lowercase=False)
        docs = [cls.document(kind, item) for item in items]
        try:
            features = vectorizer.fit_transform(docs)
        except ValueError:  # no document has a feature (every text empty): the view abstains
            vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 1)).fit(["□"])
            features = None
        classes = sorted(set(codes))
        if features is None or len(classes) < 2:
            width = len(vectorizer.vocabulary_)
            return cls(kind, vectorizer, classes, np.zeros((width, len(classes))), np.zeros(len(classes)))
        model = LogisticRegression(C=VIEW_C, max_iter=3000).fit(features, list(codes))
        coef = np.asarray(model.coef_, dtype=np.float64)
        intercept = np.asarray(model.intercept_, dtype=np.float64)
        if len(model.classes_) == 2:  # binary: one logit, as two softmax columns
            coef = np.vstack([-coef / 2, coef / 2])
            intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
        return cls(kind, vectorizer, [str(x) for x in model.classes_], coef.T.copy(), intercept)

    def predict_proba(self, items: Sequence[SectorInput]) -> np.ndarray:
        """(texts x SECTORS) probabilities; a sector the training labels lacked gets 0."""
        features = tfidf_transform(self.vectorizer, [self.document(self.kind, item) for item in items])
        logits = np.asarray(features @ self.coef) + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        out = np.zeros((len(items), len(SECTORS)))
        for k, code in enumerate(self.classes):
            out[:, SECTORS.index(sector_code(code))] += p[:, k]
        return out


VIEWS: tuple[str, ...] = ("chars", "tokens")  # the second opinions stacked beside the text classifier
VIEW_C = 10.0  # their logistic regressions' C (fixed; the stacker decides how far to trust them)
STACKER_C = (0.03, 0.1, 0.3, 1.0)  # grid, chosen per fit by grouped CV on the training rules
STACKER_WEIGHTING: tuple[str | None, ...] = (None, "balanced")
TEMPERATURES = tuple(float(t) for t in np.round(np.arange(0.5, 3.01, 0.1), 2))
# A text without any evidence: "other" first, the five sectors equally possible behind it.
NO_EVIDENCE = np.array([0.1, 0.1, 0.1, 0.1, 0.1, 0.5])
_FLOOR = 1e-3  # text probabilities are floored before the log: a calibrated 0 is not certainty


@dataclass
class SectorModel:
    """Text classifier + label-free corpus evidence, stacked on out-of-fold predictions.

    ``fit(items, labels, groups)`` / ``predict_proba(items)`` with ``items`` a list of
    :class:`SectorInput`; ``groups`` the rule (cluster) of each labelled text, so that no rule
    sits on both sides of an inner fold.
    """

    corpus: SectorCorpus
    text_c: float = 0.5  # LinearSVC C of the text classifier (the Router's sector_c)
    inner_folds: int = 5
    text_model: _TextModel | None = None
    views: tuple[_LinearView, ...] = ()  # fitted VIEWS (a model pickled before them has none)
    coef: np.ndarray | None = None  # features x SECTORS (standardised features)
    intercept: np.ndarray | None = None
    mean: np.ndarray | None = None
    scale: np.ndarray | None = None
    stacker_c: float | None = None
    stacker_weighting: str | None = None
    temperature: float = 1.0  # the stacker's log-odds are divided by it (fitted on held-out rules)
    stacked: bool = False  # False: too few rules to stack; the text classifier alone

    def fit(self, items: Sequence[SectorInput], labels: Sequence[str], groups: Sequence[str]) -> SectorModel:
        """Train on labelled texts; ``labels`` may use data-set spellings (``robot``)."""
        if not (len(items) == len(labels) == len(groups)):
            raise ValueError("items, labels and groups must have the same length")
        if not items:
            raise ValueError("no labelled texts to fit the sector model on")
        codes = [sector_code(label) for label in labels]
        groups = [g or f"#{k}" for k, g in enumerate(groups)]
        docs = [item.tokens for item in items]
        self.text_model = _TextModel.fit(docs, codes, groups, c=self.text_c)
        self.stacked = False
        self.views = ()
        self.coef = self.intercept = self.mean = self.scale = None
        folds = min(self.inner_folds, len(set(groups)))
        if folds < 3 or len(set(codes)) < 2 or len(items) < 30:
            return self
        # out-of-fold text probabilities: what the classifier says about a rule it never saw
        splits = list(GroupKFold(n_splits=folds).split(docs, codes, groups))
        text_p = np.zeros((len(items), len(SECTORS) * (1 + len(VIEWS))))
        for train, test in splits:
            inner = _TextModel.fit(
                [docs[i] for i in train], [codes[i] for i in train], [groups[i] for i in train], c=self.text_c
            )
            held = [items[i] for i in test]
            text_p[test] = np.hstack(
                [
                    inner.predict_proba([docs[i] for i in test]),
                    *(
                        _LinearView.fit(kind, [items[i] for i in train], [codes[i] for i in train]).predict_proba(held)
                        for kind in VIEWS
                    ),
                ]
            )
        views = tuple(_LinearView.fit(kind, items, codes) for kind in VIEWS)
        x = self._features(items, text_p)
        y = np.array([SECTORS.index(code) for code in codes])
        self.mean = x.mean(axis=0)
        self.scale = x.std(axis=0)
        self.scale[self.scale < 1e-9] = 1.0
        z = (x - self.mean) / self.scale
        self.stacker_c, self.stacker_weighting, self.temperature = _choose_stacker(z, y, groups, folds)
        model = LogisticRegression(C=self.stacker_c, max_iter=5000, class_weight=self.stacker_weighting).fit(z, y)
        coef = np.zeros((z.shape[1], len(SECTORS)))
        intercept = np.full(len(SECTORS), -30.0)  # a sector no training text had: never proposed
        for k, cls in enumerate(model.classes_):
            if len(model.classes_) == 2:  # binary: the one logit split over the two columns
                sign = 1.0 if k == 1 else -1.0
                coef[:, int(cls)] = sign * model.coef_[0] / 2
                intercept[int(cls)] = sign * model.intercept_[0] / 2
            else:
                coef[:, int(cls)] = model.coef_[k]
                intercept[int(cls)] = model.intercept_[k]
        self.coef, self.intercept, self.stacked, self.views = coef, intercept, True, views
        return self

    def _features(self, items: Sequence[SectorInput], text_p: np.ndarray) -> np.ndarray:
        corpus = np.array([self.corpus.features(item) for item in items]).reshape(len(items), len(CORPUS_FEATURES))
        return np.hstack([np.log(np.maximum(text_p, _FLOOR)), corpus])

    def _opinions(self, items: Sequence[SectorInput], docs: Sequence[str]) -> np.ndarray:
        """The text classifier's probabilities, then each view's, side by side."""
        assert self.text_model is not None
        return np.hstack([self.text_model.predict_proba(docs), *(view.predict_proba(items) for view in self.views)])

    def predict_proba(self, items: Sequence[SectorInput]) -> np.ndarray:
        """(texts x :data:`SECTORS`) probabilities, rows summing to 1."""
        if self.text_model is None:
            raise ValueError("the sector model is not trained")
        if not items:
            return np.zeros((0, len(SECTORS)))
        docs = [item.tokens for item in items]
        if not self.stacked:
            text_p = self.text_model.predict_proba(docs)
            p = text_p / np.maximum(text_p.sum(axis=1, keepdims=True), 1e-12)
        else:
            assert self.coef is not None and self.intercept is not None
            assert self.mean is not None and self.scale is not None
            z = (self._features(items, self._opinions(items, docs)) - self.mean) / self.scale
            logits = (z @ self.coef + self.intercept) / self.temperature
            logits -= logits.max(axis=1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(axis=1, keepdims=True)
        # "Other" by definition: a text that says nothing any of the five fields knows — no word
        # the classifier learned, no law of the corpus, no word of a sector's articles — is not
        # guessed into one of them from the intercept.
        known = self.text_model.known_terms(docs)
        for row, item in enumerate(items):
            if (
                known[row] == 0
                and not (item.candidates or item.named or item.profile_laws)
                and not self.corpus.knows(item.morphemes)
            ):
                p[row] = NO_EVIDENCE
        return p

    def predict(self, items: Sequence[SectorInput]) -> list[str]:
        return [SECTORS[int(k)] for k in self.predict_proba(items).argmax(axis=1)]


def _choose_stacker(z: np.ndarray, y: np.ndarray, groups: Sequence[str], folds: int) -> tuple[float, str | None, float]:
    """The stacker's (C, class weighting) with the best grouped-CV macro-F1 on the training rules
    (ties: the lower log loss), and the temperature that calibrates its held-out log-odds.

    Macro-F1, not accuracy: every sector counts, and the rare "other" most of all (a complaint
    outside the five fields must not be filed under one of them); balanced class weights give it
    its due, and whether that is worth the prior's shift is the training rules' call, per fit.
    The temperature (log-odds divided by it) is the one with the lowest log loss on the same
    held-out predictions: it fixes how sure the stacker is without changing which sector it picks.
    """
    splits = [(train, test) for train, test in GroupKFold(n_splits=folds).split(z, y, groups) if len(set(y[train])) > 1]
    best: tuple[float, float] = (-1.0, math.inf)
    choice: tuple[float, str | None] = (STACKER_C[len(STACKER_C) // 2], None)
    best_logits = np.zeros((0, len(SECTORS)))
    for weighting in STACKER_WEIGHTING:
        for c in STACKER_C:
            logits = np.full((len(y), len(SECTORS)), -30.0)
            for train, test in splits:
                model = LogisticRegression(C=c, max_iter=5000, class_weight=weighting).fit(z[train], y[train])
                logits[np.ix_(test, model.classes_.astype(int))] = (
                    model.decision_function(z[test])
                    if len(model.classes_) > 2
                    else np.column_stack([-model.decision_function(z[test]) / 2, model.decision_function(z[test]) / 2])
                )
            held = np.concatenate([test for _train, test in splits])
            score = float(f1_score(y[held], logits[held].argmax(axis=1), average="macro"))
            loss = _log_loss(logits[held], y[held])
            if (score, -loss) > (best[0], -best[1]):
                best, choice, best_logits = (score, loss), (c, weighting), logits[held]
    held_y = y[np.concatenate([test for _train, test in splits])] if splits else y[:0]
    temperature = min(TEMPERATURES, key=lambda t: _log_loss(best_logits / t, held_y)) if len(held_y) else 1.0
    return choice[0], choice[1], temperature


def _log_loss(logits: np.ndarray, y: np.ndarray) -> float:
    if not len(y):
        return 0.0
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(len(y)), y].sum())
