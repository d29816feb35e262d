"""Key presses as RTP: SIPp's RFC 2833 captures, renumbered per press.

SIPp replays a capture byte for byte (only addresses and ports change), and each of its DTMF captures has
fixed RTP sequence numbers and a fixed event timestamp. Played twice in one call, the second press is the
first one's packets again, and Asterisk drops it as a duplicate (the 回访 survey's "1, then 1" lost its
second key that way). So every press of a call gets its own copy whose sequence numbers and timestamp
come after the previous press's.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path

DTMF_PCAP_DIR = Path("/usr/share/sip-tester")
_PCAP_NAMES = {"*": "star", "#": "pound"}
_PCAP_HEADER = 24
_RECORD_HEADER = 16
_ETHERNET = 14
_FIRST_SEQ = 1000
_SEQ_PER_PRESS = 32  # a capture holds 10 packets
_FIRST_TIMESTAMP = 80_000
_TIMESTAMP_PER_PRESS = 16_000  # 2 s at 8 kHz: far past any event's duration


def dtmf_pcap(digit: str) -> Path:
    """SIPp's RFC 2833 capture of ``digit``."""
    if not (len(digit) == 1 and (digit.isdigit() or digit in _PCAP_NAMES)):
        raise ValueError(f"not a DTMF digit: {digit!r}")
    return DTMF_PCAP_DIR / f"dtmf_2833_{_PCAP_NAMES.get(digit, digit)}.pcap"


def press_capture(folder: Path, press: int, digit: str) -> Path:
    """Where :func:`write_press_captures` puts press number ``press`` (0-based) of a call."""
    return folder / f"press-{press:02d}-{dtmf_pcap(digit).stem.removeprefix('dtmf_2833_')}.pcap"


def renumber(capture: bytes, press: int) -> bytes:
    """``capture`` (a classic little-endian Ethernet pcap of RTP over UDP/IPv4) with the RTP sequence
    numbers and timestamps of press number ``press`` of a call; UDP checksums are cleared (optional in
    IPv4, and no longer right once the RTP header changed)."""
    magic = struct.unpack_from("<I", capture)[0]
    if magic != 0xA1B2C3D4:
        raise ValueError("not a little-endian pcap file")
    out = bytearray(capture)
    offset, index = _PCAP_HEADER, 0
    timestamp = _FIRST_TIMESTAMP + _TIMESTAMP_PER_PRESS * press
    while offset + _RECORD_HEADER <= len(out):
        length = struct.unpack_from("<I", out, offset + 8)[0]
        frame = offset + _RECORD_HEADER
        udp = frame + _ETHERNET + (out[frame + _ETHERNET] & 0x0F) * 4
        rtp = udp + 8
        if rtp + 12 > frame + length:
            raise ValueError(f"packet {index} is not RTP over UDP/IPv4")
        struct.pack_into("!H", out, udp + 6, 0)
        struct.pack_into("!HI", out, rtp + 2, _FIRST_SEQ + _SEQ_PER_PRESS * press + index, timestamp)
        offset, index = frame + length, index + 1
    return bytes(out)


def write_press_captures(digits: Sequence[str], folder: Path) -> list[Path]:
    """Write one renumbered capture per press of a call (``digits`` in the order they are pressed)."""
    paths = []
    for press, digit in enumerate(digits):
        path = press_capture(folder, press, digit)
        path.write_bytes(renumber(dtmf_pcap(digit).read_bytes(), press))
        paths.append(path)
    return paths
