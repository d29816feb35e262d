"""``prompts`` CLI group: list the Mandarin prompt catalogue and render it to audio for Asterisk.

``hotline prompts build`` writes into the sandbox chroot by default, at
``<chroot>/usr/share/asterisk/sounds/hotline`` (:func:`sandbox.runtime.sounds_dir` says why there).
"""

from __future__ import annotations

from pathlib import Path

import click

from ivr.prompts import CATALOGUE, DEFAULT_VOICE, SOUNDS_SUBDIR, PromptBuildError, build_prompts
from sandbox.provision import ROOT_ENV, default_root, is_provisioned
from sandbox.runtime import sounds_dir


@click.group(name="prompts")
def prompts_group() -> None:
    """The IVR's Mandarin prompts: list the catalogue, render it to audio (espeak-ng + sox)."""


@prompts_group.command("list")
def list_prompts() -> None:
    """Print every prompt id with its Chinese text (tab separated)."""
    for prompt in CATALOGUE.values():
        click.echo(f"{prompt.id}\t{prompt.text}")


@prompts_group.command("build")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write the audio files here (default: the sandbox chroot's sounds/hotline directory).",
)
@click.option("--sandbox", "to_sandbox", is_flag=True, help="Write into the sandbox chroot (the default).")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    envvar=ROOT_ENV,
    default=None,
    help=f"Sandbox chroot root (default {default_root()}).",
)
@click.option(
    "--override-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    envvar="HOTLINE_PROMPTS_OVERRIDE_DIR",
    default=None,
    help="Studio recordings <id>.wav16 / <id>.wav here are used instead of synthesis.",
)
@click.option("--voice", default=DEFAULT_VOICE, show_default=True, help="espeak-ng voice.")
@click.option("--force", is_flag=True, help="Render every prompt again, even if unchanged.")
def build(
    out: Path | None,
    to_sandbox: bool,
    root: Path | None,
    override_dir: Path | None,
    voice: str,
    force: bool,
) -> None:
    """Render the catalogue to <id>.wav16 (16 kHz) and <id>.wav (8 kHz); unchanged prompts are skipped."""
    if out is not None and to_sandbox:
        raise click.UsageError("give either --out DIR or --sandbox, not both")
    if out is None:
        chroot = root or default_root()
        if not is_provisioned(chroot):
            raise click.ClickException(
                f"no Asterisk chroot at {chroot}; run `hotline sandbox up` first or pass --out DIR"
            )
        out = sounds_dir(chroot, SOUNDS_SUBDIR)
    try:
        report = build_prompts(out, voice=voice, override_dir=override_dir, force=force, log=click.echo)
    except PromptBuildError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"{out}: {len(report.synthesised)} synthesised, {len(report.overridden)} from studio recordings, "
        f"{len(report.skipped)} unchanged"
    )
