"""Build the category model from the labelled corpus (``hotline asr train-category``). Build time only:
this is the one module that needs scikit-learn.

1. Read ``asr/drafting/data/corpus/*.jsonl`` (``{"text", "category", "emergency"}`` per line), in file and
   line order.
2. Choose the regularisation ``C`` by 5-fold cross-validated log-loss.
3. With that ``C``, take the out-of-fold logits of every example; fit ``cue_weight`` (how much the cue
   words add to the logits) by out-of-fold accuracy, then ``temperature`` by out-of-fold log-loss, so
   that the reported confidence is a calibrated probability.
4. Fit the final model on everything and write ``category_model.npz``.

Deterministic: the same corpus gives the same file (fixed folds, a deterministic solver).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from asr.drafting.category import cue_evidence, model_text
from asr.drafting.classifier import MODEL_FILE, CategoryModel, Vector, ngrams
from asr.drafting.text import normalise
from ticketing.categories import Category

CORPUS_DIR = Path(__file__).resolve().parent / "data" / "corpus"
C_GRID = (5.0, 10.0, 20.0, 50.0, 100.0)
CUE_WEIGHT_GRID = (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0)
TEMPERATURE_GRID = tuple(round(0.05 * i, 2) for i in range(1, 61))  # 0.05 … 3.00
FOLDS = 5
MAX_FALSE_ALARMS = 0.005


@dataclass(frozen=True)
class Example:
    """One labelled line of the corpus."""

    text: str
    category: Category
    emergency: str | None
    source: str


@dataclass(frozen=True)
class TrainingReport:
    """What training chose and how well the model did out of fold."""

    examples: int
    features: int
    c: float
    cue_weight: float
    temperature: float
    oof_accuracy_model: float
    oof_accuracy_combined: float
    oof_log_loss: float
    emergency_threshold: float
    oof_emergency_recall: float
    oof_emergency_false_alarms: float


def load_corpus(folder: Path = CORPUS_DIR) -> list[Example]:
    """Every example of ``folder/*.jsonl`` (a bad line raises ``ValueError`` naming it)."""
    examples: list[Example] = []
    for path in sorted(folder.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row: dict[str, Any] = json.loads(line)
                examples.append(
                    Example(
                        row["text"], Category(row["category"]), row.get("emergency"), f"{path.name}:{number}"
                    )
                )
            except (ValueError, KeyError) as exc:
                raise ValueError(f"{path.name}:{number}: {exc}") from exc
    if not examples:
        raise ValueError(f"no examples in {folder}")
    return examples


def _analyzer(text: str) -> list[str]:
    return list(ngrams(text).elements())


def _vectorizer() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer=_analyzer, sublinear_tf=True, min_df=2, norm="l2", dtype=np.float64)


def _classifier(c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=5000, solver="lbfgs")


def _out_of_fold_logits(texts: list[str], labels: Vector, c: float, n_classes: int) -> Vector:
    from sklearn.model_selection import StratifiedKFold

    logits = np.zeros((len(texts), n_classes))
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=0)
    for train, held in folds.split(texts, labels):
        vectorizer = _vectorizer()
        x_train = vectorizer.fit_transform([texts[i] for i in train])
        model = _classifier(c).fit(x_train, labels[train])
        held_logits = model.decision_function(vectorizer.transform([texts[i] for i in held]))
        full = np.full((len(held), n_classes), -1e9)
        full[:, model.classes_] = held_logits
        logits[held] = full
    return logits


def _probabilities(z: Vector) -> Vector:
    z = z - z.max(axis=1, keepdims=True)
    p: Vector = np.exp(z)
    out: Vector = p / p.sum(axis=1, keepdims=True)
    return out


def train(folder: Path = CORPUS_DIR, out: Path = MODEL_FILE) -> TrainingReport:
    """Train on ``folder`` and write the model to ``out`` (see the module docstring)."""
    examples = load_corpus(folder)
    classes = tuple(Category)
    texts = [model_text(normalise(e.text)) for e in examples]
    labels = np.array([classes.index(e.category) for e in examples])
    cues = np.array(
        [[cue_evidence(normalise(e.text))[0].get(c, 0.0) for c in classes] for e in examples],
        dtype=np.float64,
    )
    best_c, best_loss, best_accuracy, best_logits = C_GRID[0], np.inf, 0.0, np.zeros(0)
    for c in C_GRID:  # by out-of-fold log-loss: the confidences are what the agent reads
        logits = _out_of_fold_logits(texts, labels, c, len(classes))
        p = _probabilities(logits)
        loss = float(-np.log(np.clip(p[np.arange(len(labels)), labels], 1e-12, None)).mean())
        if loss < best_loss:
            best_c, best_loss, best_logits = c, loss, logits
            best_accuracy = float((logits.argmax(axis=1) == labels).mean())
    scored = [
        (float(((best_logits + w * cues).argmax(axis=1) == labels).mean()), -w, w) for w in CUE_WEIGHT_GRID
    ]
    combined_accuracy, _, cue_weight = max(scored)
    joined = best_logits + cue_weight * cues

    def log_loss(t: float) -> float:
        p = _probabilities(joined / t)
        return float(-np.log(np.clip(p[np.arange(len(labels)), labels], 1e-12, None)).mean())

    temperature = min(TEMPERATURE_GRID, key=log_loss)
    em_classes = ("", "110", "119", "120", "122")
    em_labels = np.array([em_classes.index(e.emergency or "") for e in examples])
    em_logits = _out_of_fold_logits(texts, em_labels, best_c, len(em_classes))
    urgent = 1.0 - _probabilities(em_logits)[:, 0]
    threshold = _emergency_threshold(urgent, em_labels > 0)
    vectorizer = _vectorizer()
    x = vectorizer.fit_transform(texts)
    final = _classifier(best_c).fit(x, labels)
    em_final = _classifier(best_c).fit(x, em_labels)
    model = CategoryModel(
        classes=classes,
        vocabulary={str(k): int(v) for k, v in vectorizer.vocabulary_.items()},
        idf=np.asarray(vectorizer.idf_, dtype=np.float64),
        coef=np.asarray(final.coef_, dtype=np.float64),
        intercept=np.asarray(final.intercept_, dtype=np.float64),
        cue_weight=cue_weight,
        temperature=temperature,
        emergency_classes=em_classes,
        emergency_coef=np.asarray(em_final.coef_, dtype=np.float64),
        emergency_intercept=np.asarray(em_final.intercept_, dtype=np.float64),
        emergency_threshold=threshold,
    )
    model.save(out)
    return TrainingReport(
        examples=len(examples),
        features=len(model.vocabulary),
        c=best_c,
        cue_weight=cue_weight,
        temperature=temperature,
        oof_accuracy_model=best_accuracy,
        oof_accuracy_combined=combined_accuracy,
        oof_log_loss=log_loss(temperature),
        emergency_threshold=threshold,
        oof_emergency_recall=float((urgent[em_labels > 0] >= threshold).mean()),
        oof_emergency_false_alarms=float((urgent[em_labels == 0] >= threshold).mean()),
    )


def _emergency_threshold(urgent: Vector, is_emergency: npt.NDArray[np.bool_]) -> float:
    """The highest threshold on P(emergency) that keeps out-of-fold false alarms at most
    :data:`MAX_FALSE_ALARMS` — the model is the second net under the cue words, so it should be quiet."""
    calm = np.sort(urgent[~is_emergency])[::-1]
    allowed = int(MAX_FALSE_ALARMS * len(calm))
    return float(min(0.95, max(0.3, calm[allowed] + 1e-6))) if len(calm) > allowed else 0.5
