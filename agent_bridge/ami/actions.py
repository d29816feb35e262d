"""AMI actions as data and their wire form. Pure.

Each builder returns an :class:`Action`: its name, its headers in order, and whether Asterisk answers with
a list (a ``Success`` response with ``EventList: start``, events carrying the ``ActionID``, then a
``…Complete`` event). Knowing that up front is what panoramisk 1.4 guesses wrongly — it takes
``QueueAdd``'s "Added interface to queue" for the start of a list and never finishes the wait, and it
reads an ``Async`` header it assumes is there — so the correlation of answers to actions is ours
(:mod:`agent_bridge.ami.responses`).

``Originate`` is always ``Async: true`` with a ``ChannelId`` chosen by the caller (the attempt's id), so
its outcome arrives as an ``OriginateResponse`` event with the same ``ActionID`` and the channel can be
looked up before anything is dialled again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from agent_bridge.ami.messages import EOL


@dataclass(frozen=True)
class Action:
    """One AMI action: ``name``, headers in order (a key may repeat, e.g. ``Variable``)."""

    name: str
    headers: tuple[tuple[str, str], ...] = ()
    list_response: bool = False

    def encode(self, action_id: str) -> bytes:
        """The bytes to write for this action with ``action_id``."""
        lines = [f"Action: {self.name}", f"ActionID: {action_id}"]
        for key, value in self.headers:
            if "\r" in value or "\n" in value or "\r" in key or "\n" in key:
                raise ValueError(f"AMI header {key!r} must be one line")
            lines.append(f"{key}: {value}")
        return (EOL.join(lines) + EOL + EOL).encode("utf-8")

    def header(self, key: str) -> str | None:
        """The first value of ``key`` (for logs and tests)."""
        return next((v for k, v in self.headers if k.lower() == key.lower()), None)


def _headers(pairs: Iterable[tuple[str, object | None]]) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for key, value in pairs:
        if value is None:
            continue
        if isinstance(value, bool):
            out.append((key, "true" if value else "false"))
        else:
            out.append((key, str(value)))
    return tuple(out)


def login(username: str, secret: str, *, events: str = "on") -> Action:
    """Log in; ``events`` is ``on``, ``off`` or the event classes wanted (``system,call,agent,user``)."""
    return Action("Login", _headers([("Username", username), ("Secret", secret), ("Events", events)]))


def ping() -> Action:
    """Keep-alive; the answer proves the connection is alive."""
    return Action("Ping")


def logoff() -> Action:
    """End the session politely."""
    return Action("Logoff")


def queue_add(
    queue: str,
    interface: str,
    *,
    member_name: str | None = None,
    state_interface: str | None = None,
    penalty: int | None = None,
    paused: bool | None = None,
    reason: str | None = None,
) -> Action:
    """Add a member (an agent's phone) to a queue."""
    return Action(
        "QueueAdd",
        _headers(
            [
                ("Queue", queue),
                ("Interface", interface),
                ("MemberName", member_name),
                ("StateInterface", state_interface),
                ("Penalty", penalty),
                ("Paused", paused),
                ("Reason", reason),
            ]
        ),
    )


def queue_remove(queue: str, interface: str) -> Action:
    """Remove a member from a queue."""
    return Action("QueueRemove", _headers([("Queue", queue), ("Interface", interface)]))


def queue_pause(
    interface: str, paused: bool, *, queue: str | None = None, reason: str | None = None
) -> Action:
    """Pause or unpause a member (in every queue unless ``queue`` is given); ``Reason`` comes back in
    ``QueueMemberPause``."""
    return Action(
        "QueuePause",
        _headers([("Interface", interface), ("Paused", paused), ("Queue", queue), ("Reason", reason)]),
    )


def queue_status(queue: str | None = None, member: str | None = None) -> Action:
    """``QueueParams``, ``QueueMember`` and ``QueueEntry`` events, then ``QueueStatusComplete``."""
    return Action("QueueStatus", _headers([("Queue", queue), ("Member", member)]), list_response=True)


def queue_summary(queue: str | None = None) -> Action:
    """``QueueSummary`` events (logged in, available, callers, hold times), then ``QueueSummaryComplete``."""
    return Action("QueueSummary", _headers([("Queue", queue)]), list_response=True)


def core_show_channels() -> Action:
    """``CoreShowChannel`` events for every channel, then ``CoreShowChannelsComplete``."""
    return Action("CoreShowChannels", list_response=True)


def originate(
    channel: str,
    *,
    channel_id: str,
    context: str | None = None,
    exten: str | None = None,
    priority: int | None = None,
    application: str | None = None,
    data: str | None = None,
    timeout_ms: int = 30_000,
    caller_id: str | None = None,
    variables: Mapping[str, str] | None = None,
    other_channel_id: str | None = None,
) -> Action:
    """Place a call (always ``Async: true``; the outcome comes as ``OriginateResponse``)."""
    if (application is None) == (exten is None):
        raise ValueError("originate needs either context/exten/priority or application/data")
    pairs: list[tuple[str, object | None]] = [
        ("Channel", channel),
        ("Context", context),
        ("Exten", exten),
        ("Priority", priority),
        ("Application", application),
        ("Data", data),
        ("Timeout", timeout_ms),
        ("CallerID", caller_id),
        ("Async", True),
        ("ChannelId", channel_id),
        ("OtherChannelId", other_channel_id),
    ]
    pairs += [("Variable", f"{name}={value}") for name, value in (variables or {}).items()]
    return Action("Originate", _headers(pairs))


def hangup(channel: str, cause: int | None = None) -> Action:
    """Hang up a channel (by name or unique id)."""
    return Action("Hangup", _headers([("Channel", channel), ("Cause", cause)]))


def redirect(channel: str, context: str, exten: str, priority: int = 1) -> Action:
    """Send a channel to another place in the dialplan."""
    return Action(
        "Redirect",
        _headers([("Channel", channel), ("Context", context), ("Exten", exten), ("Priority", priority)]),
    )


def atxfer(channel: str, exten: str, context: str) -> Action:
    """Attended transfer from ``channel`` (the agent's leg) to ``exten@context``: the agent talks to the
    target first, and may bring the caller in (three-way)."""
    return Action("Atxfer", _headers([("Channel", channel), ("Exten", exten), ("Context", context)]))


def getvar(channel: str, variable: str) -> Action:
    """Read a channel variable."""
    return Action("Getvar", _headers([("Channel", channel), ("Variable", variable)]))


def setvar(channel: str, variable: str, value: str) -> Action:
    """Set a channel variable (``__NAME`` is inherited by the channels this one creates)."""
    return Action("Setvar", _headers([("Channel", channel), ("Variable", variable), ("Value", value)]))


def command(text: str) -> Action:
    """A CLI command; its output comes back as ``Output`` headers."""
    return Action("Command", _headers([("Command", text)]))
