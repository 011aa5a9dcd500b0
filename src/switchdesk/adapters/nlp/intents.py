"""The intent classifier: TF-IDF word and character n-grams and a linear SVM with
calibrated probabilities (scikit-learn), trained on a center's own labelled messages.

Model files are joblib pickles: load only files you made (a pickle runs code when
loaded). Each file records the scikit-learn version it was made with; another version
is refused with a message to retrain, rather than guessed at.
"""

from __future__ import annotations

import csv
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline, make_union
from sklearn.svm import LinearSVC

from switchdesk.domain.nlp.intents import UNSURE_DEFAULT, IntentGuess

FORMAT = "switchdesk-intents/1"
TEXT_MAX_CHARS = 2000
"""Longer messages are cut before classifying (the first lines say what it is about)."""


class TrainingDataError(ValueError):
    """The CSV cannot train a model: says what is wrong, with the line number."""


@dataclass(frozen=True, slots=True)
class Examples:
    texts: list[str]
    labels: list[str]


def read_examples(path: Path) -> Examples:
    """``text,category`` rows of a UTF-8 CSV with a header (other columns ignored)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            fields = [name.strip().lower() for name in reader.fieldnames or []]
            if "text" not in fields or "category" not in fields:
                raise TrainingDataError(
                    f"{path}: the header must name the columns text and category"
                    f" (found: {', '.join(fields) or 'none'})"
                )
            reader.fieldnames = fields
            texts: list[str] = []
            labels: list[str] = []
            for row in reader:
                text, label = (row.get("text") or "").strip(), (row.get("category") or "").strip()
                if not text or not label:
                    raise TrainingDataError(
                        f"{path}, line {reader.line_num}: text and category must not be empty"
                    )
                texts.append(text[:TEXT_MAX_CHARS])
                labels.append(label)
    except UnicodeDecodeError as exc:
        raise TrainingDataError(f"{path}: not UTF-8 ({exc.reason})") from exc
    except csv.Error as exc:
        raise TrainingDataError(f"{path}: not a readable CSV ({exc})") from exc
    if len(set(labels)) < 2:
        raise TrainingDataError(f"{path}: at least two categories are needed to tell apart")
    return Examples(texts, labels)


def _pipeline(labels: Sequence[str], seed: int) -> Pipeline:
    features = make_union(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
    )
    fewest = min(Counter(labels).values())
    if fewest >= 2:
        # Calibrated probabilities need each category in every fold.
        svm = LinearSVC(C=0.5, random_state=seed)
        model: Any = CalibratedClassifierCV(svm, cv=min(3, fewest), method="sigmoid")
    else:
        model = LogisticRegression(C=20.0, max_iter=2000, random_state=seed)
    return make_pipeline(features, model)


@dataclass(frozen=True, slots=True)
class TrainingReport:
    examples: int
    intents: int
    validation_examples: int
    accuracy: float | None
    macro_f1: float | None
    coverage_at_threshold: float | None
    """The share of held-out messages at or above the unsure threshold."""
    accuracy_at_threshold: float | None
    fit_seconds: float

    def as_dict(self) -> dict[str, object]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        return {
            "examples": self.examples,
            "intents": self.intents,
            "validation_examples": self.validation_examples,
            "accuracy": r(self.accuracy),
            "macro_f1": r(self.macro_f1),
            "coverage_at_threshold": r(self.coverage_at_threshold),
            "accuracy_at_threshold": r(self.accuracy_at_threshold),
            "fit_seconds": round(self.fit_seconds, 2),
        }


class IntentModel:
    """A trained classifier and its unsure threshold."""

    def __init__(self, pipeline: Pipeline, threshold: float = UNSURE_DEFAULT) -> None:
        self._pipeline = pipeline
        self.threshold = threshold

    @property
    def intents(self) -> list[str]:
        return [str(c) for c in self._pipeline.classes_]

    @classmethod
    def train(
        cls,
        examples: Examples,
        *,
        threshold: float = UNSURE_DEFAULT,
        validate: bool = True,
        seed: int = 7,
    ) -> tuple[IntentModel, TrainingReport]:
        """Fit on every example; with ``validate``, first measure on a stratified fifth
        held out (when every category has at least five examples)."""
        started = time.perf_counter()
        counts = Counter(examples.labels)
        accuracy = macro_f1 = coverage = sure_accuracy = None
        held_out = 0
        if validate and min(counts.values()) >= 5:
            xtr, xte, ytr, yte = train_test_split(
                examples.texts,
                examples.labels,
                test_size=0.2,
                random_state=seed,
                stratify=examples.labels,
            )
            trial = cls(_pipeline(ytr, seed).fit(xtr, ytr), threshold)
            guesses = trial.classify(xte)
            predicted = [g.intent for g in guesses]
            accuracy = float(accuracy_score(yte, predicted))
            macro_f1 = float(f1_score(yte, predicted, average="macro"))
            sure = [(g.intent, y) for g, y in zip(guesses, yte, strict=True) if not g.unsure]
            coverage = len(sure) / len(yte)
            sure_accuracy = sum(p == y for p, y in sure) / len(sure) if sure else None
            held_out = len(yte)
        pipeline = _pipeline(examples.labels, seed).fit(examples.texts, examples.labels)
        report = TrainingReport(
            len(examples.texts),
            len(counts),
            held_out,
            accuracy,
            macro_f1,
            coverage,
            sure_accuracy,
            time.perf_counter() - started,
        )
        return cls(pipeline, threshold), report

    def classify(self, texts: Iterable[str]) -> list[IntentGuess]:
        batch = [t[:TEXT_MAX_CHARS] for t in texts]
        if not batch:
            return []
        probabilities = self._pipeline.predict_proba(batch)
        classes = self._pipeline.classes_
        guesses = []
        for row in probabilities:
            best = int(row.argmax())
            guesses.append(IntentGuess.of(str(classes[best]), float(row[best]), self.threshold))
        return guesses

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "format": FORMAT,
            "sklearn": sklearn.__version__,
            "threshold": self.threshold,
            "pipeline": self._pipeline,
        }
        partial = path.with_name(path.name + ".partial")
        joblib.dump(payload, partial, compress=3)
        partial.replace(path)

    @classmethod
    def load(cls, path: Path) -> IntentModel:
        """A model this program saved (ValueError naming what is wrong otherwise)."""
        if not path.is_file():
            raise ValueError(f"{path}: no such model file")
        try:
            payload = joblib.load(path)
        except Exception as exc:
            raise ValueError(f"{path}: not an intent model ({type(exc).__name__})") from exc
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            raise ValueError(f"{path}: not an intent model made by switchdesk")
        if payload.get("sklearn") != sklearn.__version__:
            raise ValueError(
                f"{path}: made with scikit-learn {payload.get('sklearn')}, this is"
                f" {sklearn.__version__}; train it again (switchdesk intents train)"
            )
        return cls(payload["pipeline"], float(payload["threshold"]))
