"""The UDP end of a tap: datagrams → in-order little-endian PCM chunks on a bounded queue.

A thin asyncio protocol; parsing, reordering and the byte swap are the pure code of :mod:`ivr.media.rtp`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from ivr.media.rtp import Reorderer, RtpError, parse_rtp, to_pcm


@dataclass
class RtpCounters:
    """Per-tap transport numbers (for logs and tests)."""

    datagrams: int = 0
    bad: int = 0
    foreign: int = 0  # from an address other than the expected host
    overflow: int = 0  # chunks dropped because the consumer fell behind


class RtpReceiver(asyncio.DatagramProtocol):
    """Datagrams from ``host`` → PCM chunks on ``queue`` (full queue: the chunk is dropped and counted)."""

    def __init__(self, host: str, queue: asyncio.Queue[bytes]) -> None:
        self.host = host
        self.queue = queue
        self.reorderer = Reorderer()
        self.counters = RtpCounters()
        self.first_packet_at: float | None = None  # the loop's clock when audio started to arrive

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.counters.datagrams += 1
        if addr[0] != self.host:
            self.counters.foreign += 1
            return
        try:
            packet = parse_rtp(data)
        except RtpError:
            self.counters.bad += 1
            return
        if self.first_packet_at is None:
            self.first_packet_at = asyncio.get_running_loop().time()
        self._put(to_pcm(self.reorderer.push(packet)))

    def flush(self) -> None:
        """Deliver what the reorderer still holds (end of the stream)."""
        self._put(to_pcm(self.reorderer.flush()))

    def _put(self, pcm: bytes) -> None:
        if not pcm:
            return
        try:
            self.queue.put_nowait(pcm)
        except asyncio.QueueFull:
            self.counters.overflow += 1
