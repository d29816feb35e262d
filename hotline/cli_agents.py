"""``hotline agents``: bind accounts to agent phones, list them, and log them in or out, pause, ready.

``bind`` and ``list`` only touch the database. ``login``, ``logout``, ``pause`` and ``ready`` record the
presence and make Asterisk's queues agree over AMI (``HOTLINE_AMI_*``, or ``--sandbox`` for the local
sandbox); with Asterisk unreachable nothing is changed and the command fails.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import click

from hotline.settings import Settings
from ticketing.agents.service import DEFAULT_WRAPUP_SECONDS, AgentService, AgentView
from ticketing.agents.vocabulary import AgentStatus, PauseReason, StateSource
from ticketing.calls.vocabulary import Skill
from ticketing.errors import TicketingError


def _settings() -> Settings:
    obj = click.get_current_context().obj
    settings = obj["settings"] if isinstance(obj, dict) else None
    assert isinstance(settings, Settings)
    return settings


def _in_db(work: Callable[[AgentService], AgentView | list[AgentView]]) -> AgentView | list[AgentView]:
    from ticketing.db.engine import make_engine, make_sessionmaker

    engine = make_engine(_settings().effective_database_url)
    try:
        with make_sessionmaker(engine).begin() as session:
            return work(AgentService(session))
    except TicketingError as exc:
        raise click.ClickException(f"{exc.error_id}: {exc.message}") from None
    finally:
        engine.dispose()


def _line(view: AgentView) -> str:
    reason = f" ({view.pause_reason.value})" if view.pause_reason else ""
    skills = ",".join(s.value for s in view.skills)
    return (
        f"{view.extension}  {view.username:<12} {view.display_name:<12} {view.status.value}{reason}  "
        f"skills {skills}  wrap-up {view.wrapup_seconds} s"
    )


@click.group("agents")
def agents_group() -> None:
    """Agents at their phones: bind, list, log in/out, pause, ready."""


@agents_group.command("bind")
@click.argument("username")
@click.argument("extension")
@click.option(
    "--skill",
    "skills",
    multiple=True,
    type=click.Choice([s.value for s in Skill]),
    help="A skill (repeat); default: every skill.",
)
@click.option("--wrapup", type=click.IntRange(0, 600), default=DEFAULT_WRAPUP_SECONDS, show_default=True)
def bind(username: str, extension: str, skills: tuple[str, ...], wrapup: int) -> None:
    """Make account USERNAME (role agent) the agent at phone EXTENSION (e.g. 1001)."""
    from ticketing.accounts.actor import Actor

    chosen = [Skill(s) for s in skills] or list(Skill)
    view = _in_db(
        lambda agents: agents.bind(username, extension, chosen, Actor.system(), wrapup_seconds=wrapup)
    )
    assert isinstance(view, AgentView)
    click.echo(_line(view))


@agents_group.command("list")
def list_agents() -> None:
    """Every agent with its phone, skills and presence."""
    views = _in_db(lambda agents: agents.listing())
    assert isinstance(views, list)
    for view in views:
        click.echo(_line(view))
    if not views:
        click.echo("no agents yet: hotline agents bind USERNAME EXTENSION")


def _presence(username: str, status: AgentStatus, reason: PauseReason | None, sandbox: bool) -> None:
    from agent_bridge.ami.connection import AmiConnection, AmiTarget
    from agent_bridge.ami.errors import AmiError
    from agent_bridge.bridge import sync_agent
    from hotline.process import ami_target

    settings = _settings()
    target: AmiTarget | None
    if sandbox:
        from sandbox import Sandbox

        box = Sandbox()
        if not box.is_running():
            raise click.ClickException("the sandbox is not running: hotline sandbox up")
        user, secret = box.ami_credentials
        target = AmiTarget("127.0.0.1", box.ports.ami, user, secret, "sandbox")
    else:
        target = ami_target(settings)
    if target is None:
        raise click.ClickException("set HOTLINE_AMI_HOST and HOTLINE_AMI_SECRET (or use --sandbox)")

    async def run() -> AgentView:
        ami = AmiConnection(target)
        runner = asyncio.create_task(ami.run())
        try:
            try:
                await asyncio.wait_for(ami.connected.wait(), 10)
            except TimeoutError:
                raise click.ClickException(
                    f"AMI {target.host}:{target.port} not reachable; nothing changed"
                ) from None
            view = _in_db(
                lambda agents: agents.set_status(
                    agents.by_username(username).user_id, status, reason=reason, source=StateSource.SUPERVISOR
                )
            )
            assert isinstance(view, AgentView)
            try:
                await sync_agent(ami, view)
            except AmiError as exc:
                raise click.ClickException(f"recorded, but Asterisk refused: {exc}") from None
            return view
        finally:
            await ami.stop()
            runner.cancel()

    click.echo(_line(asyncio.run(run())))


_SANDBOX = click.option("--sandbox", is_flag=True, help="Talk to the local sandbox's AMI.")


@agents_group.command("login")
@click.argument("username")
@_SANDBOX
def login(username: str, sandbox: bool) -> None:
    """Log USERNAME into its skill queues, ready."""
    _presence(username, AgentStatus.READY, None, sandbox)


@agents_group.command("logout")
@click.argument("username")
@_SANDBOX
def logout(username: str, sandbox: bool) -> None:
    """Take USERNAME out of every queue."""
    _presence(username, AgentStatus.LOGGED_OUT, None, sandbox)


@agents_group.command("pause")
@click.argument("username")
@click.argument("reason", type=click.Choice([r.value for r in PauseReason.chosen_by_agent()]))
@_SANDBOX
def pause(username: str, reason: str, sandbox: bool) -> None:
    """Pause USERNAME for REASON (小休, 培训, 会议)."""
    _presence(username, AgentStatus.PAUSED, PauseReason(reason), sandbox)


@agents_group.command("ready")
@click.argument("username")
@_SANDBOX
def ready(username: str, sandbox: bool) -> None:
    """Put USERNAME back to taking calls."""
    _presence(username, AgentStatus.READY, None, sandbox)
