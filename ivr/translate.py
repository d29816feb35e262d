"""Pure mapping between ARI and the call flows: ARI events → flow events, skills → queues."""

from __future__ import annotations

from ivr.ari.events import (
    AriEvent,
    ChannelDestroyed,
    ChannelDtmfReceived,
    ChannelHangupRequest,
    PlaybackFinished,
    RecordingFailed,
    RecordingFinished,
    StasisEnd,
)
from ivr.flows import events as flow
from ticketing.calls.vocabulary import Skill

QUEUE_CONTEXT = "hotline-queues"
"""Dialplan context with one extension per skill (see ``sip_configs/extensions.conf.tmpl``)."""


def queue_name(skill: Skill) -> str:
    """The app_queue queue of a skill (``complaint_report`` → ``hotline-complaint-report``)."""
    return "hotline-" + skill.value.replace("_", "-")


def flow_event(event: AriEvent) -> flow.Event | None:
    """The flow event an ARI event means for the call it concerns, or ``None`` if it means nothing.

    Recording durations are left ``None`` here: Asterisk 22 reports twice the real length for
    ``wav16`` recordings, so the session measures the file instead.
    """
    if isinstance(event, ChannelDtmfReceived):
        return flow.Dtmf(event.digit)
    if isinstance(event, PlaybackFinished):
        # A missing sound file also ends as PlaybackFinished (state "failed"): the menu goes on.
        return flow.PlaybackFinished(event.playback_id)
    if isinstance(event, RecordingFinished):
        return flow.RecordingFinished(event.name, None)
    if isinstance(event, RecordingFailed):
        return flow.RecordingFailed(event.name, event.cause or "")
    if isinstance(event, ChannelHangupRequest | StasisEnd | ChannelDestroyed):
        return flow.HungUp()
    return None


def channel_of(event: AriEvent) -> str | None:
    """The channel an event concerns (playbacks and recordings name it in ``target_uri``)."""
    channel = getattr(event, "channel", None)
    if channel is not None:
        channel_id: str = channel.id
        return channel_id
    target = getattr(event, "target_uri", None) or getattr(
        getattr(event, "recording", None), "target_uri", None
    )
    if isinstance(target, str) and target.startswith("channel:"):
        return target.removeprefix("channel:")
    return None
