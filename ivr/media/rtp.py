"""RTP as Asterisk's ``externalMedia`` sends it: header parsing, in-order delivery with gap filling, and
``slin16`` payloads (big-endian) → little-endian PCM for Vosk. Pure: no sockets, no clocks.

* :func:`parse_rtp` reads one datagram (RFC 3550 §5.1: version, padding, extension, CSRC list, marker,
  payload type, sequence number, timestamp, SSRC) into an :class:`RtpPacket`; :class:`RtpError` when the
  bytes are not RTP.
* :class:`Reorderer` turns packets as they arrive into audio in sequence order. It holds at most
  ``depth`` packets that arrived ahead of a missing one (no timing, hence "jitter-free"): a late packet
  that fills the hole in time is put in its place; once ``depth`` packets wait, the hole is declared lost
  and filled with silence as long as the RTP timestamps say was missing. Duplicates and packets that come
  after their place was already played are dropped and counted. Sequence numbers wrap at 65536; a jump
  of more than ``max_jump`` packets (or a new SSRC) restarts the stream instead of inventing minutes of
  silence.
* :func:`slin16_to_pcm` byte-swaps big-endian 16-bit samples (verified: Asterisk 22's ``slin16``
  externalMedia RTP is big-endian, payload type 118, 640-byte payloads = 20 ms at 16 kHz).

Recorded packets from the sandbox are in ``tests/fixtures/rtp`` (length-prefixed datagrams, see
:func:`read_datagrams`).
"""

from __future__ import annotations

import struct
from array import array
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from ivr.media.errors import MediaError

RTP_VERSION = 2
HEADER_BYTES = 12
SEQ_MOD = 1 << 16
SLIN16_RATE = 16_000
SLIN16_PAYLOAD_TYPE = 118  # Asterisk's dynamic payload type for slin16 on externalMedia (verified)
BYTES_PER_SAMPLE = 2
RECENT_WINDOW = 64  # delivered sequence numbers remembered to tell duplicates from late packets
MAX_SILENCE_SAMPLES = SLIN16_RATE * 2  # never fill more than 2 s for one hole (a timestamp jump is not audio)


class RtpError(MediaError):
    """A datagram is not a usable RTP packet."""


@dataclass(frozen=True)
class RtpPacket:
    """One parsed RTP packet (RFC 3550 §5.1); ``payload`` excludes header, CSRCs, extension and padding."""

    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    payload: bytes
    marker: bool = False
    version: int = RTP_VERSION
    padding: int = 0  # padding bytes removed from the end
    csrcs: tuple[int, ...] = ()
    extension_profile: int | None = None
    extension: bytes = b""


def parse_rtp(data: bytes) -> RtpPacket:
    """Parse one RTP datagram; raises :class:`RtpError` for anything that is not version-2 RTP."""
    if len(data) < HEADER_BYTES:
        raise RtpError(f"RTP datagram too short: {len(data)} bytes")
    first, second, sequence, timestamp, ssrc = struct.unpack_from("!BBHII", data)
    version = first >> 6
    if version != RTP_VERSION:
        raise RtpError(f"not RTP version 2 (version {version})")
    has_padding, has_extension, csrc_count = bool(first & 0x20), bool(first & 0x10), first & 0x0F
    offset = HEADER_BYTES + 4 * csrc_count
    if len(data) < offset:
        raise RtpError(f"RTP header announces {csrc_count} CSRCs but the datagram ends at {len(data)} bytes")
    csrcs = struct.unpack_from(f"!{csrc_count}I", data, HEADER_BYTES) if csrc_count else ()
    profile: int | None = None
    extension = b""
    if has_extension:
        if len(data) < offset + 4:
            raise RtpError("RTP header extension is cut off")
        profile, words = struct.unpack_from("!HH", data, offset)
        start = offset + 4
        offset = start + 4 * words
        if len(data) < offset:
            raise RtpError(f"RTP header extension of {words} words is cut off")
        extension = bytes(data[start:offset])
    end = len(data)
    padding = 0
    if has_padding:
        padding = data[-1]
        if padding == 0 or offset + padding > end:
            raise RtpError(f"invalid RTP padding length {padding}")
        end -= padding
    return RtpPacket(
        payload_type=second & 0x7F,
        sequence=sequence,
        timestamp=timestamp,
        ssrc=ssrc,
        payload=bytes(data[offset:end]),
        marker=bool(second & 0x80),
        version=version,
        padding=padding,
        csrcs=tuple(csrcs),
        extension_profile=profile,
        extension=extension,
    )


def build_rtp(
    payload: bytes,
    *,
    sequence: int,
    timestamp: int,
    ssrc: int = 0x1234ABCD,
    payload_type: int = SLIN16_PAYLOAD_TYPE,
    marker: bool = False,
) -> bytes:
    """A minimal RTP datagram (no CSRC, extension or padding): for tests and tools."""
    first = RTP_VERSION << 6
    second = (0x80 if marker else 0) | (payload_type & 0x7F)
    header = struct.pack("!BBHII", first, second, sequence % SEQ_MOD, timestamp % (1 << 32), ssrc)
    return header + payload


def seq_delta(a: int, b: int) -> int:
    """How many sequence numbers ``b`` is after ``a`` (negative: before), modulo the 16-bit wrap."""
    return (b - a + SEQ_MOD // 2) % SEQ_MOD - SEQ_MOD // 2


def slin16_to_pcm(payload: bytes) -> bytes:
    """Big-endian 16-bit samples (``slin16`` RTP) → little-endian PCM (what Vosk reads)."""
    if len(payload) % 2:
        raise RtpError(f"slin16 payload has an odd number of bytes: {len(payload)}")
    samples = array("h", payload)
    samples.byteswap()  # big- to little-endian is one swap, whatever this machine's own order
    return samples.tobytes()


# -- in-order delivery ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Audio:
    """Payload bytes of one packet, in sequence order (still in the wire's byte order)."""

    sequence: int
    payload: bytes


@dataclass(frozen=True)
class Gap:
    """Packets declared lost: ``packets`` of them, ``samples`` long per the RTP timestamps."""

    after_sequence: int
    packets: int
    samples: int

    def silence(self, bytes_per_sample: int = BYTES_PER_SAMPLE) -> bytes:
        """Zero samples to stand in for the lost audio (zero is silence in either byte order)."""
        return bytes(self.samples * bytes_per_sample)


Output = Audio | Gap


@dataclass
class ReorderStats:
    """What the reorderer saw."""

    received: int = 0
    delivered: int = 0
    reordered: int = 0  # arrived after a later packet but still in time
    duplicates: int = 0
    late: int = 0  # arrived after its place was declared lost (dropped)
    lost: int = 0  # packets filled with silence
    restarts: int = 0  # SSRC change or a sequence jump too large to be loss
    ignored: int = 0  # other payload types (e.g. RFC 2833 events)


@dataclass
class Reorderer:
    """Sequence-ordered audio from RTP packets (see the module docstring).

    ``samples_per_packet`` is only a fallback for the length of a hole when timestamps do not tell it.
    """

    depth: int = 3
    max_jump: int = 500
    payload_type: int | None = SLIN16_PAYLOAD_TYPE
    samples_per_packet: int = 320
    bytes_per_sample: int = BYTES_PER_SAMPLE
    stats: ReorderStats = field(default_factory=ReorderStats)
    _ssrc: int | None = None
    _expected: int | None = None  # next sequence number to deliver
    _last_timestamp: int | None = None  # RTP timestamp just after the last delivered audio
    _waiting: dict[int, RtpPacket] = field(default_factory=dict)
    _recent: deque[int] = field(default_factory=lambda: deque(maxlen=RECENT_WINDOW))

    def push(self, packet: RtpPacket) -> list[Output]:
        """Take one packet; returns what can be delivered now, in order."""
        if self.payload_type is not None and packet.payload_type != self.payload_type:
            self.stats.ignored += 1
            return []
        self.stats.received += 1
        out: list[Output] = []
        if self._expected is None or packet.ssrc != self._ssrc:
            if self._expected is not None:
                out += self.flush()
                self.stats.restarts += 1
            self._restart(packet)
        delta = seq_delta(self._expected or 0, packet.sequence)
        if delta < 0:
            if delta < -self.max_jump:
                out += self.flush()
                self.stats.restarts += 1
                self._restart(packet)
                delta = 0
            elif packet.sequence in self._recent:
                self.stats.duplicates += 1
                return out
            else:
                self.stats.late += 1
                return out
        elif delta > self.max_jump:
            out += self.flush()
            self.stats.restarts += 1
            self._restart(packet)
            delta = 0
        if packet.sequence in self._waiting:
            self.stats.duplicates += 1
            return out
        if any(seq_delta(self._expected or 0, seq) > delta for seq in self._waiting):
            self.stats.reordered += 1  # a later packet came first, this one is still in time
        self._waiting[packet.sequence] = packet
        out += self._drain()
        while len(self._waiting) >= self.depth:  # the hole will not be filled in time: declare it lost
            out.append(self._skip_hole())
            out += self._drain()
        return out

    def flush(self) -> list[Output]:
        """Deliver everything still waiting (end of stream), declaring the holes lost."""
        out: list[Output] = []
        while self._waiting:
            out += self._drain()
            if self._waiting:
                out.append(self._skip_hole())
        return out

    def _restart(self, packet: RtpPacket) -> None:
        self._ssrc = packet.ssrc
        self._expected = packet.sequence
        self._last_timestamp = None
        self._waiting.clear()
        self._recent.clear()

    def _drain(self) -> list[Output]:
        out: list[Output] = []
        assert self._expected is not None
        while self._expected in self._waiting:
            packet = self._waiting.pop(self._expected)
            out.append(Audio(packet.sequence, packet.payload))
            self._recent.append(packet.sequence)
            self.stats.delivered += 1
            samples = len(packet.payload) // self.bytes_per_sample
            self._last_timestamp = (packet.timestamp + samples) % (1 << 32)
            self._expected = (self._expected + 1) % SEQ_MOD
        return out

    def _skip_hole(self) -> Gap:
        assert self._expected is not None
        nxt = min(self._waiting, key=lambda seq: seq_delta(self._expected or 0, seq))
        packets = seq_delta(self._expected, nxt)
        samples = packets * self.samples_per_packet
        if self._last_timestamp is not None:
            by_clock = (self._waiting[nxt].timestamp - self._last_timestamp) % (1 << 32)
            if 0 < by_clock <= MAX_SILENCE_SAMPLES:
                samples = by_clock
        gap = Gap(after_sequence=(self._expected - 1) % SEQ_MOD, packets=packets, samples=samples)
        self.stats.lost += packets
        self._expected = nxt
        if self._last_timestamp is not None:
            self._last_timestamp = self._waiting[nxt].timestamp
        return gap


def to_pcm(outputs: list[Output]) -> bytes:
    """Little-endian PCM of reorderer output: audio byte-swapped, gaps as silence."""
    return b"".join(slin16_to_pcm(o.payload) if isinstance(o, Audio) else o.silence() for o in outputs)


# -- recorded datagrams (test fixtures) -----------------------------------------------------------------


def write_datagrams(datagrams: list[bytes]) -> bytes:
    """Datagrams as one blob: each prefixed with its length as a big-endian uint16."""
    return b"".join(struct.pack("!H", len(d)) + d for d in datagrams)


def read_datagrams(blob: bytes) -> Iterator[bytes]:
    """The datagrams of a :func:`write_datagrams` blob; :class:`RtpError` when it is cut short."""
    offset = 0
    while offset < len(blob):
        if offset + 2 > len(blob):
            raise RtpError("datagram file ends inside a length prefix")
        (size,) = struct.unpack_from("!H", blob, offset)
        offset += 2
        if offset + size > len(blob):
            raise RtpError(f"datagram file ends inside a {size}-byte datagram")
        yield blob[offset : offset + size]
        offset += size
