"""ivr.media.rtp: RTP parsing, in-order delivery and slin16 byte order, on packets recorded from Asterisk 22's
externalMedia (tests/fixtures/rtp) and on synthetic edge cases."""

from __future__ import annotations

import itertools
import struct
from pathlib import Path

import numpy as np
import pytest

from ivr.media.rtp import (
    Audio,
    Gap,
    Reorderer,
    RtpError,
    RtpPacket,
    build_rtp,
    parse_rtp,
    read_datagrams,
    seq_delta,
    slin16_to_pcm,
    to_pcm,
    write_datagrams,
)

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "rtp" / "externalmedia-slin16.bin"


@pytest.fixture(scope="module")
def recorded() -> list[bytes]:
    return list(read_datagrams(FIXTURE.read_bytes()))


def packet(seq: int, *, ts: int | None = None, size: int = 640, ssrc: int = 7, fill: int = 1) -> RtpPacket:
    payload = struct.pack(">h", fill) * (size // 2)
    return parse_rtp(build_rtp(payload, sequence=seq, timestamp=320 * seq if ts is None else ts, ssrc=ssrc))


def feed(r: Reorderer, seqs: list[int], **kw: int) -> list[Audio | Gap]:
    out: list[Audio | Gap] = []
    for seq in seqs:
        out += r.push(packet(seq, **kw))
    return out


def order(out: list[Audio | Gap]) -> list[int | str]:
    return [o.sequence if isinstance(o, Audio) else f"gap{o.packets}" for o in out]


# --------------------------------------------------------------------------------------------- recorded
def test_recorded_packets_are_what_design_says(recorded: list[bytes]) -> None:
    packets = [parse_rtp(d) for d in recorded]
    assert len(packets) == 40
    assert {p.payload_type for p in packets} == {118}
    assert {len(p.payload) for p in packets} == {640}
    assert {p.version for p in packets} == {2}
    assert len({p.ssrc for p in packets}) == 1
    assert not any(p.marker or p.csrcs or p.padding for p in packets)
    assert {p.extension_profile for p in packets} == {None}
    assert {seq_delta(a.sequence, b.sequence) for a, b in itertools.pairwise(packets)} == {1}
    assert {b.timestamp - a.timestamp for a, b in itertools.pairwise(packets)} == {320}


def test_recorded_samples_are_big_endian(recorded: list[bytes]) -> None:
    """Speech is smooth: neighbouring samples differ little. Only the byte-swapped reading is smooth."""
    payload = b"".join(parse_rtp(d).payload for d in recorded)
    swapped = np.frombuffer(slin16_to_pcm(payload), dtype="<i2").astype(np.int64)
    as_is = np.frombuffer(payload, dtype="<i2").astype(np.int64)
    assert np.abs(swapped).mean() > 300  # there is speech in it
    assert np.abs(np.diff(swapped)).mean() * 10 < np.abs(np.diff(as_is)).mean()


def test_recorded_stream_in_order_gives_all_audio(recorded: list[bytes]) -> None:
    r = Reorderer()
    out = [o for d in recorded for o in r.push(parse_rtp(d))] + r.flush()
    assert all(isinstance(o, Audio) for o in out)
    assert len(to_pcm(out)) == 40 * 640
    assert r.stats.delivered == 40
    assert r.stats.lost == 0


def test_recorded_stream_shuffled_and_with_a_loss(recorded: list[bytes]) -> None:
    datagrams = list(recorded)
    datagrams[5], datagrams[6] = datagrams[6], datagrams[5]  # reordered
    del datagrams[20]  # lost
    datagrams.insert(10, datagrams[9])  # duplicate
    r = Reorderer()
    out = [o for d in datagrams for o in r.push(parse_rtp(d))] + r.flush()
    gaps = [o for o in out if isinstance(o, Gap)]
    assert len(gaps) == 1
    assert gaps[0].packets == 1
    assert gaps[0].samples == 320
    assert len(to_pcm(out)) == 40 * 640  # the lost packet became silence of the same length
    assert (r.stats.reordered, r.stats.duplicates, r.stats.lost, r.stats.delivered) == (1, 1, 1, 39)


def test_fixture_file_round_trip(recorded: list[bytes]) -> None:
    assert list(read_datagrams(write_datagrams(recorded))) == recorded
    with pytest.raises(RtpError):
        list(read_datagrams(write_datagrams(recorded)[:-1]))


# --------------------------------------------------------------------------------------------- parsing
def test_parse_csrc_extension_padding_and_marker() -> None:
    header = bytes([0x80 | 0x20 | 0x10 | 2, 0x80 | 96]) + struct.pack("!HII", 65535, 4000, 0xDEADBEEF)
    csrcs = struct.pack("!II", 11, 22)
    extension = struct.pack("!HH", 0xBEDE, 1) + b"\x01\x02\x03\x04"
    data = header + csrcs + extension + b"\x00\x10\x00\x20" + b"\x00\x00\x03"
    p = parse_rtp(data)
    assert (p.version, p.payload_type, p.sequence, p.timestamp, p.ssrc) == (2, 96, 65535, 4000, 0xDEADBEEF)
    assert p.marker
    assert p.csrcs == (11, 22)
    assert p.extension_profile == 0xBEDE
    assert p.extension == b"\x01\x02\x03\x04"
    assert p.padding == 3
    assert p.payload == b"\x00\x10\x00\x20"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x80\x76\x00",  # too short
        b"\x40" + bytes(11),  # version 1
        bytes([0x80 | 3, 118]) + bytes(10) + bytes(4),  # 3 CSRCs announced, 1 present
        bytes([0x90, 118]) + bytes(10) + struct.pack("!HH", 1, 5),  # extension cut off
        bytes([0xA0, 118]) + bytes(10) + b"\x00\x00\x09",  # padding longer than the packet
        bytes([0xA0, 118]) + bytes(10) + b"\x00\x00\x00",  # padding length 0
    ],
)
def test_parse_rejects_non_rtp(data: bytes) -> None:
    with pytest.raises(RtpError):
        parse_rtp(data)


def test_slin16_byte_order() -> None:
    big = struct.pack(">3h", 1, -2, 300)
    assert np.frombuffer(slin16_to_pcm(big), dtype="<i2").tolist() == [1, -2, 300]
    with pytest.raises(RtpError):
        slin16_to_pcm(b"\x00\x01\x02")


def test_seq_delta_wraps() -> None:
    assert seq_delta(65535, 0) == 1
    assert seq_delta(0, 65535) == -1
    assert seq_delta(65530, 4) == 10
    assert seq_delta(100, 100) == 0


# --------------------------------------------------------------------------------------------- reordering
def test_in_order_across_the_wrap() -> None:
    r = Reorderer()
    out = feed(r, [65534, 65535, 0, 1], ts=0)
    assert order(out) == [65534, 65535, 0, 1]
    assert r.stats.lost == 0


def test_late_packet_within_depth_is_put_in_place() -> None:
    r = Reorderer(depth=3)
    assert order(feed(r, [10, 12])) == [10]
    assert order(feed(r, [11])) == [11, 12]
    assert r.stats.reordered == 1
    assert r.stats.lost == 0


def test_hole_declared_lost_after_depth_packets_with_silence_from_timestamps() -> None:
    r = Reorderer(depth=3)
    out = feed(r, [1, 4, 5, 6])  # 2 and 3 never come
    assert order(out) == [1, "gap2", 4, 5, 6]
    gap = out[1]
    assert isinstance(gap, Gap)
    assert gap.samples == 640
    assert gap.silence() == bytes(1280)
    assert feed(r, [2]) == []
    assert r.stats.late == 1


def test_gap_across_the_wrap() -> None:
    r = Reorderer(depth=2)
    out = feed(r, [65534, 1, 2], ts=0)
    assert order(out)[:2] == [65534, "gap2"]
    assert r.stats.lost == 2


def test_duplicates_are_dropped() -> None:
    r = Reorderer()
    assert order(feed(r, [5, 5, 6, 6, 8, 8])) == [5, 6]
    assert r.stats.duplicates == 3


def test_flush_delivers_waiting_packets_across_holes() -> None:
    r = Reorderer(depth=10)
    feed(r, [1, 3, 6])
    assert order(r.flush()) == ["gap1", 3, "gap2", 6]


def test_ssrc_change_or_huge_jump_restarts_without_invented_silence() -> None:
    r = Reorderer()
    feed(r, [100, 101])
    out = feed(r, [5000])
    assert order(out) == [5000]
    assert r.stats.restarts == 1
    assert r.stats.lost == 0
    out = feed(r, [7], ssrc=99)
    assert order(out) == [7]
    assert r.stats.restarts == 2


def test_timestamp_jump_is_bounded_and_other_payload_types_ignored() -> None:
    r = Reorderer(depth=1)
    r.push(packet(1, ts=0))
    out = r.push(packet(3, ts=10_000_000))  # nonsense clock: fall back to packets × 20 ms
    assert isinstance(out[0], Gap)
    assert out[0].samples == 320
    dtmf = parse_rtp(build_rtp(b"\x01\x0a\x00\xa0", sequence=4, timestamp=0, payload_type=101))
    assert r.push(dtmf) == []
    assert r.stats.ignored == 1
