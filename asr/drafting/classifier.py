"""The statistical half of the category: a linear model over character n-grams, run with numpy only.

Trained by :mod:`asr.drafting.training` (scikit-learn, build time) on the labelled corpus in
``asr/drafting/data/corpus/`` and stored as ``asr/drafting/data/category_model.npz``: the n-gram
vocabulary, IDF weights, the coefficients, and the two numbers that join it with the cue words
(``cue_weight``) and calibrate the result (``temperature``), both fitted on out-of-fold predictions.

Features: TF-IDF (sublinear term frequency, L2-normalised) of the 1–3 character n-grams of the text with
whitespace and punctuation removed — no word segmentation, so speech-recogniser spacing does not matter.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ticketing.categories import Category

MODEL_FILE = Path(__file__).resolve().parent / "data" / "category_model.npz"
NGRAMS = (1, 2, 3)
_STRIP = re.compile(r"[\s\W_]+", re.UNICODE)

Vector = npt.NDArray[np.float64]


def clean(text: str) -> str:
    """The text the n-grams are taken from: no whitespace or punctuation, ASCII lower-cased."""
    return _STRIP.sub("", text).lower()


def ngrams(text: str) -> Counter[str]:
    """Counts of the character n-grams of ``clean(text)``."""
    chars = clean(text)
    out: Counter[str] = Counter()
    for n in NGRAMS:
        out.update(chars[i : i + n] for i in range(len(chars) - n + 1))
    return out


@dataclass(frozen=True)
class CategoryModel:
    """A trained model (see the module docstring)."""

    classes: tuple[Category, ...]
    vocabulary: dict[str, int]
    idf: Vector
    coef: Vector  # classes × features
    intercept: Vector
    cue_weight: float
    temperature: float
    emergency_classes: tuple[str, ...] = ()  # "" (none), "110", "119", "120", "122"
    emergency_coef: Vector | None = None
    emergency_intercept: Vector | None = None
    emergency_threshold: float = 1.0  # P(any emergency) at or above this flags the call

    def features(self, text: str) -> Vector:
        """The TF-IDF row of ``text``."""
        row = np.zeros(len(self.vocabulary))
        for gram, count in ngrams(text).items():
            index = self.vocabulary.get(gram)
            if index is not None:
                row[index] = 1.0 + np.log(count)
        row *= self.idf
        norm = float(np.linalg.norm(row))
        return row / norm if norm > 0 else row

    def logits(self, text: str) -> Vector:
        """Raw class scores of the linear model (before the cues and calibration)."""
        scores: Vector = self.coef @ self.features(text) + self.intercept
        return scores

    def emergency(self, text: str) -> tuple[str, float] | None:
        """The emergency service the text most likely needs and P(any emergency), when that probability
        reaches the threshold fitted in training (``None`` otherwise, or without an emergency head)."""
        if self.emergency_coef is None or self.emergency_intercept is None:
            return None
        z = self.emergency_coef @ self.features(text) + self.emergency_intercept
        p = np.exp(z - z.max())
        p = p / p.sum()
        none = self.emergency_classes.index("")
        urgent = 1.0 - float(p[none])
        if urgent < self.emergency_threshold:
            return None
        p[none] = -1.0
        return self.emergency_classes[int(np.argmax(p))], urgent

    def combine(self, logits: Vector, cue_scores: Vector, log_prior: Vector | None = None) -> Vector:
        """Calibrated probabilities from the model's logits, the cue scores (same class order) and an
        optional log prior (the menu choice)."""
        z = logits + self.cue_weight * cue_scores
        if log_prior is not None:
            z = z + log_prior
        z = z / self.temperature
        z = z - z.max()
        p: Vector = np.exp(z)
        out: Vector = p / p.sum()
        return out

    def save(self, path: Path) -> None:
        """Write the model (deterministic bytes for the same model)."""
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        with path.open("wb") as handle:
            np.savez_compressed(
                handle,
                classes=np.array([c.value for c in self.classes]),
                terms=np.array(terms),
                idf=self.idf,
                coef=self.coef,
                intercept=self.intercept,
                tuning=np.array([self.cue_weight, self.temperature, self.emergency_threshold]),
                emergency_classes=np.array(list(self.emergency_classes)),
                emergency_coef=self.emergency_coef if self.emergency_coef is not None else np.zeros((0, 0)),
                emergency_intercept=(
                    self.emergency_intercept if self.emergency_intercept is not None else np.zeros(0)
                ),
            )

    @classmethod
    def load(cls, path: Path) -> CategoryModel:
        """Read a model written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as data:
            terms = [str(t) for t in data["terms"]]
            cue_weight, temperature, threshold = (float(v) for v in data["tuning"])
            has_head = data["emergency_coef"].size > 0
            return cls(
                classes=tuple(Category(str(c)) for c in data["classes"]),
                vocabulary={t: i for i, t in enumerate(terms)},
                idf=data["idf"].astype(np.float64),
                coef=data["coef"].astype(np.float64),
                intercept=data["intercept"].astype(np.float64),
                cue_weight=cue_weight,
                temperature=temperature,
                emergency_classes=tuple(str(c) for c in data["emergency_classes"]),
                emergency_coef=data["emergency_coef"].astype(np.float64) if has_head else None,
                emergency_intercept=data["emergency_intercept"].astype(np.float64) if has_head else None,
                emergency_threshold=threshold,
            )


@cache
def bundled_model() -> CategoryModel | None:
    """The model shipped with the package (``None`` if it was not built: cue words only)."""
    return CategoryModel.load(MODEL_FILE) if MODEL_FILE.exists() else None
