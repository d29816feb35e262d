"""``hotline ivr run``: the 12345 menu as an ARI application."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import click

from hotline.ivr_runtime import AriTarget, ivr_config, serve_ivr, speech_setup
from hotline.settings import Settings


@click.group("ivr")
def ivr_group() -> None:
    """The inbound IVR (Asterisk ARI)."""


@ivr_group.command("run")
@click.option("--sandbox", is_flag=True, help="Connect to the local sandbox (hotline sandbox up).")
def ivr_run(sandbox: bool) -> None:
    """Answer 12345 calls: menu, describe the matter, into the skill queue, with a call + draft each."""
    from hotline.wiring import build_engine
    from ticketing.db.engine import make_sessionmaker
    from ticketing.db.migrate import upgrade

    obj = click.get_current_context().obj
    settings = obj["settings"] if isinstance(obj, dict) else None
    assert isinstance(settings, Settings)
    target = sandbox_target(settings) if sandbox else _configured(settings)
    if settings.profile.value == "dev":
        upgrade(settings.effective_database_url)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    engine = build_engine(settings)
    click.echo(f"IVR app {target.app} on {target.url}; Ctrl-C to stop", err=True)
    with contextlib.suppress(KeyboardInterrupt):
        speech = speech_setup(settings)
        asyncio.run(
            serve_ivr(
                target, make_sessionmaker(engine), ivr_config(settings, target), speech, owns_speech=True
            )
        )
    engine.dispose()


def sandbox_target(settings: Settings) -> AriTarget:
    """The ARI of the running default sandbox."""
    from sandbox import Sandbox

    box = Sandbox()
    if not box.is_running():
        raise click.ClickException("the sandbox is not running: hotline sandbox up")
    user, password = box.ari_credentials
    return AriTarget(
        url=box.ari_url,
        username=user,
        password=password,
        app=box.config.ari_app,
        recordings_dir=box.host_path("/var/spool/asterisk/recording"),
    )


def _configured(settings: Settings) -> AriTarget:
    try:
        return AriTarget.from_settings(settings)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
