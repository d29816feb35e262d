"""``hotline asr``: Vosk models (list, install, verify), transcription of recordings, drafts from text.

Models live in ``HOTLINE_ASR_MODELS_DIR``; ``HOTLINE_ASR_TRANSCRIPT_MODEL`` / ``HOTLINE_ASR_MENU_MODEL``
name them (or point at a directory). ``transcribe`` uses the menu model when ``--grammar`` is given, else
the transcript model, unless ``--model`` says otherwise.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from asr.errors import AsrError
from hotline.cli_drafting import evaluate_command, train_category
from hotline.settings import Settings


def _settings() -> Settings:
    obj = click.get_current_context().obj
    settings = obj["settings"] if isinstance(obj, dict) else None
    assert isinstance(settings, Settings)
    return settings


def _fail(exc: AsrError) -> click.ClickException:
    return click.ClickException(f"{exc.error_id}: {exc.message}")


def _extract_draft() -> Callable[[str], Any]:
    """Draft extraction with this centre's city and area code (from the settings)."""
    from asr.drafting import extract_draft
    from hotline.ivr_runtime import drafting_config

    config = drafting_config(_settings())
    return lambda text: extract_draft(text, config)


def _draft_dict(extract: Callable[[str], Any], text: str) -> dict[str, Any]:
    result: dict[str, Any] = extract(text).to_dict()
    return result


def _dumps(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)


@click.group(name="asr")
def asr_group() -> None:
    """Offline speech recognition (Vosk): models, transcripts, drafts."""


@asr_group.group("models")
def models_group() -> None:
    """Vosk models: list, install (download + verify), verify."""


@models_group.command("list")
def models_list() -> None:
    """Known and installed models, with their purpose and where they are."""
    from asr.model_registry import list_models

    settings = _settings()
    roles = {settings.asr_menu_model: "menu model", settings.asr_transcript_model: "transcript model"}
    if settings.asr_menu_model == settings.asr_transcript_model:
        roles[settings.asr_menu_model] = "menu+transcript model"
    for row in list_models(settings.asr_models_dir):
        state = "installed" if row.installed else "missing"
        role = f"  [{roles[row.name]}]" if row.name in roles else ""
        click.echo(f"{row.name:28} {row.purpose.value:10} {state:9} {row.path or '-'}{role}")
    for value, role in roles.items():
        if "/" in value:  # a directory configured directly
            state = "installed" if Path(value).expanduser().is_dir() else "missing"
            click.echo(f"{value:28} {'path':10} {state:9} {value}  [{role}]")


@models_group.command("install")
@click.argument("name")
@click.option("--url", default=None, help="Archive URL (default: the registry's official URL).")
@click.option("--sha256", default=None, help="Expected SHA-256 of the zip archive.")
@click.option("--size", type=int, default=None, help="Expected size of the zip archive in bytes.")
@click.option(
    "--archive",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Install from a zip already on this machine (offline installs) instead of downloading.",
)
@click.option(
    "--allow-unpinned",
    is_flag=True,
    help="Proceed without a pinned SHA-256 (trust on first use: the hash is printed and recorded).",
)
@click.option("--force", is_flag=True, help="Reinstall even if an intact install is present.")
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: on a tty).")
def models_install(
    name: str,
    url: str | None,
    sha256: str | None,
    size: int | None,
    archive: Path | None,
    allow_unpinned: bool,
    force: bool,
    progress: bool | None,
) -> None:
    """Download (or copy), verify and install model NAME into HOTLINE_ASR_MODELS_DIR."""
    from tqdm import tqdm

    from asr.model_install import install

    show = progress if progress is not None else sys.stderr.isatty()
    bar = tqdm(unit="B", unit_scale=True, unit_divisor=1024, desc=name, disable=not show, file=sys.stderr)

    def on_progress(done: int, total: int | None) -> None:
        if total is not None and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    try:
        result = install(
            name,
            _settings().asr_models_dir,
            url=url,
            sha256=sha256,
            size=size,
            archive=archive,
            allow_unpinned=allow_unpinned,
            force=force,
            progress=on_progress,
        )
    except AsrError as exc:
        raise _fail(exc) from None
    finally:
        bar.close()
    if result.already_installed:
        click.echo(f"{name} already installed and intact at {result.path}")
        return
    click.echo(f"installed {name} at {result.path} (archive {result.size} bytes, sha256 {result.sha256})")
    if not result.pinned:
        click.echo(f"warning: {name} was not pinned; recorded sha256 {result.sha256} for `verify`", err=True)


@models_group.command("verify")
@click.argument("name")
@click.option("--quick", is_flag=True, help="Compare file sizes only, not their SHA-256.")
def models_verify(name: str, quick: bool) -> None:
    """Check an installed model's layout and files against its install manifest (exit 1 on problems)."""
    from asr.model_registry import verify

    try:
        report = verify(name, _settings().asr_models_dir, hashes=not quick)
    except AsrError as exc:
        raise _fail(exc) from None
    if report.ok:
        checked = "layout + manifest" if report.manifest else "layout (no install manifest)"
        click.echo(f"{name}: ok ({checked}) at {report.path}")
        return
    for problem in report.problems:
        click.echo(f"{name}: {problem}", err=True)
    raise click.ClickException(
        f"{name} at {report.path} failed verification ({len(report.problems)} problems)"
    )


@asr_group.command("transcribe")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--model", default=None, help="Model name or directory (default: from the settings).")
@click.option("--grammar", default=None, help='Comma-separated phrases to recognise, e.g. "一,二,人工服务".')
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file (transcript, words, draft).")
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: >1 file).")
def transcribe(
    files: tuple[Path, ...], model: str | None, grammar: str | None, as_json: bool, progress: bool | None
) -> None:
    """Transcribe recordings (WAV/FLAC/OGG/.wav16) and, when drafting is available, draft a ticket."""
    from tqdm import tqdm

    from asr.engine import AsrEngine, ModelCache
    from asr.transcribe import transcribe_files

    settings = _settings()
    phrases = [p.strip() for p in grammar.replace("，", ",").split(",") if p.strip()] if grammar else None
    chosen = model or (settings.asr_menu_model if phrases else settings.asr_transcript_model)
    extract = _extract_draft()
    failures = 0
    show = progress if progress is not None else len(files) > 1
    bar = tqdm(total=len(files), unit="file", disable=not show, file=sys.stderr)
    try:
        with AsrEngine(ModelCache(settings.asr_models_dir), workers=settings.asr_workers) as engine:
            for path, result in transcribe_files(engine, files, chosen, phrases):
                bar.update()
                if isinstance(result, AsrError):
                    failures += 1
                    click.echo(f"{path}: {result.error_id}: {result.message}", err=True)
                    continue
                draft = _draft_dict(extract, result.text)
                if as_json:
                    click.echo(_dumps({"file": str(path), "transcript": result.to_dict(), "draft": draft}))
                else:
                    click.echo(f"{path}\t{result.text}")
                    click.echo(f"  ({result.duration:.2f} s audio, rtf {result.rtf:.3f}, {chosen})", err=True)
                    if draft is not None:
                        click.echo(f"  draft: {_dumps(draft)}")
    except AsrError as exc:
        raise _fail(exc) from None
    finally:
        bar.close()
    if failures:
        raise click.ClickException(f"{failures} of {len(files)} files could not be transcribed")


@asr_group.command("draft")
@click.option("--text", default=None, help="Chinese transcript text.")
@click.option(
    "--file",
    "file_",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A UTF-8 transcript file.",
)
def draft(text: str | None, file_: Path | None) -> None:
    """Print the ticket draft (category, phone, address, …) extracted from a transcript, as JSON."""
    if text is not None and file_ is None:
        content = text
    elif file_ is not None and text is None:
        content = file_.read_text(encoding="utf-8")
    else:
        raise click.UsageError("give exactly one of --text or --file")
    extract = _extract_draft()
    click.echo(_dumps(_draft_dict(extract, content)))


@asr_group.command("retry")
@click.option(
    "--draft", "draft_ids", multiple=True, help="Draft id to retry (repeatable; default: every failed one)."
)
@click.option("--now", is_flag=True, help="Also recognise the pending drafts once, in the foreground.")
@click.option("--model", default=None, help="Model name or directory (default: the transcript model).")
def retry(draft_ids: tuple[str, ...], now: bool, model: str | None) -> None:
    """Put failed drafts (or the given ones) back to pending; with --now, recognise them right away."""
    import asyncio
    import uuid

    from asr.engine import AsrEngine, ModelCache
    from asr.worker import DraftRecognizer
    from hotline.wiring import build_engine
    from ticketing.calls.drafts import DraftService
    from ticketing.db.engine import make_sessionmaker
    from ticketing.errors import Conflict

    settings = _settings()
    try:
        ids = [uuid.UUID(value) for value in draft_ids]
    except ValueError as exc:
        raise click.BadParameter(f"not a draft id: {exc}", param_hint="--draft") from None
    db = build_engine(settings)
    sessions = make_sessionmaker(db)
    try:
        try:
            with sessions.begin() as session:
                count = DraftService(session).reset_for_retry(ids or None)
        except Conflict as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"{count} draft(s) back to pending")
        if not now:
            return
        chosen = model or settings.asr_transcript_model
        with AsrEngine(ModelCache(settings.asr_models_dir), workers=settings.asr_workers) as engine:
            recognizer = DraftRecognizer(sessions, engine, chosen)
            outcomes = asyncio.run(recognizer.drain())
        for outcome in outcomes:
            if outcome.ok:
                click.echo(f"{outcome.draft_id}\tdone\t{outcome.detail}")
            else:
                click.echo(f"{outcome.draft_id}\tfailed\t{outcome.detail}", err=True)
        failed = sum(not o.ok for o in outcomes)
        if failed:
            raise click.ClickException(f"{failed} of {len(outcomes)} drafts failed again")
    finally:
        db.dispose()


asr_group.add_command(train_category)
asr_group.add_command(evaluate_command)
