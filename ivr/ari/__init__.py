"""Asyncio ARI client: REST calls, the typed event websocket, reconnection and resync.

Typical use::

    client = AriClient("http://127.0.0.1:8088/ari", user, password, "hotline-ivr")
    supervisor = AriSupervisor(client)
    async for event in supervisor.events():      # Resynced first, after every (re)connection
        match event:
            case StasisStart(channel=channel):
                await client.answer(channel.id)
                await client.play(channel.id, "sound:hello-world")

Modules: :mod:`~ivr.ari.errors` (the exception tree), :mod:`~ivr.ari.resources` and
:mod:`~ivr.ari.events` (pure parsers), :mod:`~ivr.ari.backoff` and :mod:`~ivr.ari.resync` (pure
supervision logic), :mod:`~ivr.ari.client` and :mod:`~ivr.ari.websocket` (thin adapters),
:mod:`~ivr.ari.supervisor`.

Asterisk 22.10 behaviours verified against the sandbox (fixtures in ``tests/fixtures/ari``):

- With ``subscribeAll=false`` no ``ChannelDestroyed`` follows ``StasisEnd`` for a channel that hung up
  in our app: ``ChannelHangupRequest`` → ``StasisEnd`` ends the story. Channels explicitly subscribed to
  (:meth:`AriClient.subscribe`, e.g. after ``continue``) and ARI-created ones do get ``ChannelDestroyed``.
- ``ChannelHangupRequest`` has ``cause``/``soft`` only for soft hang-ups (``soft: true``); then ``cause``
  looks like Asterisk's soft-hangup flag, not Q.850: 32 for our ``DELETE /channels/{id}?reason=normal``,
  16 for a channel hung up by ARI while in ``Queue()``. A caller's BYE arrives without either field.
- Playing a sound that does not exist is not a REST error: ``PlaybackFinished`` has ``state: failed``.
- ``play`` with several media needs one comma-joined ``media`` value: with a repeated ``media=``
  parameter Asterisk silently plays only the last one.
- ``RecordingFinished.duration`` for ``format=wav16`` is twice the real length (4 s of audio → 8).
  A recording whose file cannot be created still ends in ``RecordingFinished`` (``duration: 0``), not in
  ``RecordingFailed``; one cut by a hang-up has no ``duration``. Recordings land in the chroot-wide
  ``/var/spool/asterisk/recording/{name}.{format}`` (e.g. ``.wav16``), shared by all instances.
- ``record`` with an existing name and ``ifExists=fail`` → 409; an unknown format → 422.
- ``GET /channels/{id}/variable`` of an unset variable → 404 (“Provided variable was not found”),
  the same status as for a channel that is gone (“Channel not found”).
- Setting ``TALK_DETECT(set)`` answers 204 even when ``func_talkdetect.so`` is not loaded (it is not in
  ``sip_configs/modules.conf``): no talking events then.
- ``snoop`` and ``externalMedia`` answer 200 with the new channel; ``play``/``record`` answer 201.
  externalMedia's answer shows the new channel in ``AppDial2``; it enters our app (``StasisStart``).
- While our websocket is down, channels in the app stay in it (``GET /applications/{app}`` lists them);
  once the app has no channel and no websocket it is unregistered (404) and new calls fall back to the
  general queue (``STASISSTATUS=FAILED``).
"""

from ivr.ari.backoff import BackoffPolicy, backoff_delay, backoff_schedule
from ivr.ari.client import AriClient
from ivr.ari.errors import (
    AriConflict,
    AriConnectionError,
    AriError,
    AriHttpError,
    AriNotFound,
    AriParseError,
)
from ivr.ari.events import (
    AriEvent,
    ChannelDestroyed,
    ChannelDtmfReceived,
    ChannelEnteredBridge,
    ChannelHangupRequest,
    ChannelLeftBridge,
    ChannelStateChange,
    ChannelTalkingFinished,
    ChannelTalkingStarted,
    ChannelVarset,
    PlaybackFinished,
    PlaybackStarted,
    RecordingFailed,
    RecordingFinished,
    RecordingStarted,
    Resynced,
    StasisEnd,
    StasisStart,
    UnknownEvent,
    parse_event,
)
from ivr.ari.resources import (
    Application,
    Bridge,
    CallerId,
    Channel,
    DialplanLocation,
    LiveRecording,
    Playback,
    StoredRecording,
)
from ivr.ari.resync import select_app_channels
from ivr.ari.supervisor import AriSupervisor
from ivr.ari.websocket import EventStream, events_url

__all__ = [
    "Application",
    "AriClient",
    "AriConflict",
    "AriConnectionError",
    "AriError",
    "AriEvent",
    "AriHttpError",
    "AriNotFound",
    "AriParseError",
    "AriSupervisor",
    "BackoffPolicy",
    "Bridge",
    "CallerId",
    "Channel",
    "ChannelDestroyed",
    "ChannelDtmfReceived",
    "ChannelEnteredBridge",
    "ChannelHangupRequest",
    "ChannelLeftBridge",
    "ChannelStateChange",
    "ChannelTalkingFinished",
    "ChannelTalkingStarted",
    "ChannelVarset",
    "DialplanLocation",
    "EventStream",
    "LiveRecording",
    "Playback",
    "PlaybackFinished",
    "PlaybackStarted",
    "RecordingFailed",
    "RecordingFinished",
    "RecordingStarted",
    "Resynced",
    "StasisEnd",
    "StasisStart",
    "StoredRecording",
    "UnknownEvent",
    "backoff_delay",
    "backoff_schedule",
    "events_url",
    "parse_event",
    "select_app_channels",
]
