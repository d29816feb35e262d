"""The category model is reproducible by one command: training on the committed corpus gives the committed
model file, byte for byte (scikit-learn is needed here, not at run time)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from asr.drafting.classifier import MODEL_FILE
from asr.drafting.training import CORPUS_DIR, load_corpus
from hotline.cli_asr import asr_group
from ticketing.categories import Category


def test_the_corpus_is_labelled_with_every_category_and_emergency_service() -> None:
    examples = load_corpus(CORPUS_DIR)
    assert len(examples) >= 1000
    assert {e.category for e in examples} == set(Category)
    assert {e.emergency for e in examples} == {None, "110", "119", "120", "122"}


def test_training_reproduces_the_shipped_model(tmp_path: Path) -> None:
    out = tmp_path / "model.npz"
    result = CliRunner().invoke(asr_group, ["train-category", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "out of fold" in result.output
    assert out.read_bytes() == MODEL_FILE.read_bytes(), (
        "the corpus or the trainer changed: retrain and commit"
    )
