"""``hotline asr train-category`` and ``hotline asr evaluate``: build the category model from the corpus,
and measure draft extraction on transcript sets."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("train-category")
@click.option(
    "--corpus",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Folder of labelled *.jsonl (default: asr/drafting/data/corpus).",
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Model file to write."
)
def train_category(corpus: Path | None, out: Path | None) -> None:
    """Train the category model (needs scikit-learn) and print what training chose."""
    try:
        from asr.drafting import training
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise click.ClickException(f"training needs scikit-learn ({exc})") from None
    from asr.drafting.classifier import MODEL_FILE

    target = out or MODEL_FILE
    try:
        result = training.train(corpus or training.CORPUS_DIR, target)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {target}")
    click.echo(
        f"{result.examples} examples, {result.features} n-grams, C={result.c}, cue weight "
        f"{result.cue_weight}, temperature {result.temperature}"
    )
    click.echo(
        f"out of fold: model {result.oof_accuracy_model:.1%}, with cue words "
        f"{result.oof_accuracy_combined:.1%}, log-loss {result.oof_log_loss:.3f}"
    )
    click.echo(
        f"emergency head: threshold {result.emergency_threshold:.2f}, out of fold recall "
        f"{result.oof_emergency_recall:.1%}, false alarms {result.oof_emergency_false_alarms:.1%}"
    )


@click.command("evaluate")
@click.argument(
    "folders", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@click.option("--misses", is_flag=True, help="List every miss.")
def evaluate_command(folders: tuple[Path, ...], misses: bool) -> None:
    """Per-field accuracy of draft extraction on transcript sets (one table per folder)."""
    from asr.drafting.evaluation import evaluate, load_cases, report

    for folder in folders:
        cases = load_cases(folder)
        if not cases:
            raise click.ClickException(f"no cases in {folder}")
        click.echo(report(str(folder), evaluate(cases), misses=misses))
