"""The one exception tree of :mod:`ivr.media`::

    MediaError
    └── RtpError        a datagram is not usable RTP (or a recorded datagram file is cut short)

Taps never raise for what Asterisk does to their channels: a tap that cannot be set up, or whose channel
hangs up, ends with a reason (:class:`ivr.media.taps.TapEnd`) that its consumer reads.
"""

from __future__ import annotations


class MediaError(Exception):
    """Base class of every error raised on purpose by :mod:`ivr.media`."""
