"""The ``sandbox`` click group: ``up``, ``down``, ``status``, ``phone``, ``cli "<command>"``, ``render``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click

from sandbox.provision import ROOT_ENV, SandboxError, default_root, is_provisioned
from sandbox.render import (
    SECRETS_FILE,
    Ports,
    RenderError,
    agent_extensions,
    load_or_create_secrets,
    render_all,
    templates_dir,
)
from sandbox.runtime import Sandbox

P = ParamSpec("P")
R = TypeVar("R")

_DEFAULTS = Ports()


def _instance_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options that pick the chroot, the instance and its ports (also read from HOTLINE_SANDBOX_*)."""
    options = [
        click.option(
            "--root",
            type=click.Path(file_okay=False, path_type=Path),
            envvar=ROOT_ENV,
            default=None,
            help=f"Chroot root (default {default_root()}).",
        ),
        click.option(
            "--config-dir",
            envvar="HOTLINE_SANDBOX_CONFIG_DIR",
            default="/etc/asterisk/hotline",
            show_default=True,
            help="Config directory inside the chroot; its name is the instance name.",
        ),
        click.option("--sip-port", envvar="HOTLINE_SANDBOX_SIP_PORT", type=int, default=_DEFAULTS.sip),
        click.option("--ami-port", envvar="HOTLINE_SANDBOX_AMI_PORT", type=int, default=_DEFAULTS.ami),
        click.option("--http-port", envvar="HOTLINE_SANDBOX_HTTP_PORT", type=int, default=_DEFAULTS.http),
        click.option(
            "--rtp-start", envvar="HOTLINE_SANDBOX_RTP_START", type=int, default=_DEFAULTS.rtp_start
        ),
        click.option("--rtp-end", envvar="HOTLINE_SANDBOX_RTP_END", type=int, default=_DEFAULTS.rtp_end),
        click.option("--trunk-port", envvar="HOTLINE_SANDBOX_TRUNK_PORT", type=int, default=_DEFAULTS.trunk),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _sandbox(options: dict[str, Any]) -> Sandbox:
    ports = Ports(
        sip=options["sip_port"],
        ami=options["ami_port"],
        http=options["http_port"],
        rtp_start=options["rtp_start"],
        rtp_end=options["rtp_end"],
        trunk=options["trunk_port"],
    )
    return Sandbox(root=options["root"], config_dir=options["config_dir"], ports=ports, log=click.echo)


def _friendly_errors(func: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (SandboxError, RenderError) as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper


@click.group(name="sandbox")
def sandbox_group() -> None:
    """A real Asterisk 22 (Debian sid chroot, cached) running the hotline's sip_configs."""


@sandbox_group.command()
@_instance_options
@_friendly_errors
def up(**options: Any) -> None:
    """Provision (first time only), render the config and start Asterisk; wait until fully booted."""
    click.echo(_sandbox(options).up())


@sandbox_group.command()
@_instance_options
@_friendly_errors
def down(**options: Any) -> None:
    """Stop Asterisk and unmount the chroot's proc and dev."""
    click.echo(_sandbox(options).down())


@sandbox_group.command()
@_instance_options
@_friendly_errors
def status(**options: Any) -> None:
    """Running or not, version, ports. Exit code 3 when stopped."""
    state = _sandbox(options).status()
    click.echo(state.line())
    if not state.running:
        raise SystemExit(3)


@sandbox_group.command()
@click.argument("extension", default="1001")
@_instance_options
@_friendly_errors
def phone(extension: str, **options: Any) -> None:
    """The SIP account of agent phone EXTENSION (1001…) for any softphone: server, user, password."""
    sandbox = _sandbox(options)
    if extension not in agent_extensions(sandbox.config.agents):
        raise SandboxError(
            f"no agent phone {extension} (this instance has {sandbox.config.agents} from 1001)"
        )
    click.echo(
        f"SIP server   {sandbox.config.bind}:{sandbox.ports.sip} (UDP)\n"
        f"user name    agent{extension}   (also the authentication user)\n"
        f"password     {sandbox.agent_password(extension)}\n"
        f"extension    {extension}: dial 12345 to call the hotline like a citizen, *43 for an echo test"
    )


@sandbox_group.command(name="cli")
@click.argument("command")
@_instance_options
@_friendly_errors
def cli_command(command: str, **options: Any) -> None:
    """Run one Asterisk CLI COMMAND, e.g. hotline sandbox cli "queue show"."""
    click.echo(_sandbox(options).cli(command), nl=False)


@sandbox_group.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write the rendered files here instead of into the chroot's config directory.",
)
@_instance_options
@_friendly_errors
def render(out: Path | None, **options: Any) -> None:
    """Render sip_configs/*.conf.tmpl (secrets are generated once and kept in secrets.env)."""
    sandbox = _sandbox(options)
    if out is None:
        if not is_provisioned(sandbox.root):
            raise SandboxError(f"no chroot at {sandbox.root}; run `hotline sandbox up` or pass --out DIR")
        written = sandbox.render()
    else:
        secrets = load_or_create_secrets(out / SECRETS_FILE, keys=sandbox.config.secret_keys)
        written = render_all(out, sandbox.config.variables(secrets), templates_dir(), 0o600)
    for path in written:
        click.echo(str(path))
