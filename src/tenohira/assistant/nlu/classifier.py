"""The intent classifier: character n-grams of the text and of its reading, logistic regression.

Trained at first use from ``data/train.tsv`` (in the repository, reviewed like code) and
cached: in the process, and on disk under ``<data_dir>/cache/`` keyed by a hash of the
training file and the scikit-learn version, so a changed file or library retrains.
Nothing is downloaded; the reading comes from janome, whose dictionary is in its package.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from tenohira.assistant.nlu.text import normalize, reading
from tenohira.core.config import get_settings

COARSE_LABELS = (
    "birth",
    "move",
    "death",
    "company_founding",
    "procedure",
    "status",
    "human_help",
    "affirm",
    "deny",
    "other",
)
FEATURES_VERSION = "4"  # bump when features() changes so cached models are not reused


def features(text: str) -> str:
    """What the classifier sees: the normalised text and its hiragana reading side by side."""
    norm = normalize(text).lower()
    return f"{norm} | {reading(norm)}"


def load_training(text: str) -> list[tuple[str, str]]:
    """(label, utterance) pairs from the TSV text (comments and blank lines skipped)."""
    pairs = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, _, utterance = line.partition("\t")
        if label not in COARSE_LABELS or not utterance.strip():
            raise ValueError(f"bad training line: {line!r}")
        pairs.append((label, utterance.strip()))
    return pairs


def training_text() -> str:
    return resources.files("tenohira.assistant.nlu").joinpath("data/train.tsv").read_text("utf-8")


@dataclass
class IntentClassifier:
    """A fitted pipeline and its labels."""

    pipeline: Pipeline

    @classmethod
    def train(cls, pairs: list[tuple[str, str]]) -> IntentClassifier:
        """Fit on (label, utterance) pairs."""
        pipeline = Pipeline(
            [
                (
                    "tfidf",
                    TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, min_df=1),
                ),
                ("model", LogisticRegression(C=20.0, max_iter=5000, class_weight="balanced", solver="saga")),
            ]
        )
        pipeline.fit([features(u) for _, u in pairs], [label for label, _ in pairs])
        return cls(pipeline)

    def ranked(self, text: str) -> list[tuple[str, float]]:
        """Every label with its probability, best first."""
        probabilities = self.pipeline.predict_proba([features(text)])[0]
        labels = self.pipeline.classes_
        order = np.argsort(-probabilities)
        return [(str(labels[i]), float(probabilities[i])) for i in order]


def _cache_path(cache_dir: Path, source: str) -> Path:
    digest = hashlib.sha256(f"{source}\0{sklearn.__version__}\0{FEATURES_VERSION}".encode()).hexdigest()[:16]
    return cache_dir / f"nlu-intents-{digest}.pkl"


def load_or_train(cache_dir: Path | None) -> IntentClassifier:
    """The classifier from the disk cache if it matches the training data, else trained now."""
    source = training_text()
    path = _cache_path(cache_dir, source) if cache_dir is not None else None
    if path is not None and path.exists():
        try:
            # our own cache file under the platform's data directory (trusted like its keys)
            with path.open("rb") as handle:
                cached = pickle.load(handle)  # noqa: S301
            if isinstance(cached, IntentClassifier):
                return cached
        except (OSError, pickle.UnpicklingError, AttributeError, EOFError):
            pass
    classifier = IntentClassifier.train(load_training(source))
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            with tmp.open("wb") as handle:
                pickle.dump(classifier, handle)
            tmp.replace(path)
        except OSError:
            pass  # a read-only data directory only costs a retrain next start
    return classifier


@lru_cache(maxsize=1)
def default_classifier() -> IntentClassifier:
    """The process-wide classifier (trained or loaded once)."""

    return load_or_train(get_settings().data_dir / "cache")
