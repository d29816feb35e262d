"""Which channels are in our Stasis app right now (pure): the content of a ``Resynced`` event."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, datetime

from ivr.ari.resources import Channel

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def in_stasis_app(channel: Channel, app: str) -> bool:
    """True when the channel's dialplan location says ``Stasis(app[,args…])``.

    A heuristic fallback only (e.g. an externalMedia channel reports ``AppDial2`` until it has entered
    the app); the channel ids of ``GET /applications/{app}`` are authoritative.
    """
    if channel.dialplan.app_name.lower() != "stasis":
        return False
    return channel.dialplan.app_data.split(",", 1)[0].strip() == app


def select_app_channels(
    channels: Iterable[Channel], app: str, channel_ids: Collection[str] | None = None
) -> tuple[Channel, ...]:
    """The channels of ``app``, oldest first.

    With ``channel_ids`` (from ``GET /applications/{app}``) keep exactly those; without (the app is not
    registered, e.g. it has no channel left), fall back to :func:`in_stasis_app`.
    """
    if channel_ids is not None:
        wanted = set(channel_ids)
        chosen = [c for c in channels if c.id in wanted]
    else:
        chosen = [c for c in channels if in_stasis_app(c, app)]
    return tuple(sorted(chosen, key=lambda c: (c.creationtime or _EPOCH, c.id)))
