"""Loopback capture for the IVR benchmark: when each call was answered and when its first prompt began.

Two ``tcpdump`` processes write to files while a load step runs (the kernel's BPF filter does the
selecting, nothing is parsed during the step): the SIP signalling in full, and the RTP that Asterisk sends
cut to its headers (``-s 64``: the ports are all we need, and 10,000 packets/s stay small on disk). After
the step the pcaps are read here:

- ``INVITE`` (first transmission per Call-ID) → the start;
- ``200 OK`` to the INVITE → the answer, and its SDP ``m=audio`` port is the call's RTP port in Asterisk;
- the first RTP packet Asterisk sends from that port after the answer → the first prompt's first audio.
  Asterisk sends nothing on a call before it plays something, so this is when the caller starts to hear
  the welcome (ports are reused between calls; the answer time keeps them apart).
"""

from __future__ import annotations

import contextlib
import re
import shutil
import signal
import struct
import subprocess
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_PCAP_MAGIC = {
    0xA1B2C3D4: ("<", 1e-6),
    0xA1B23C4D: ("<", 1e-9),
    0xD4C3B2A1: (">", 1e-6),
    0x4D3CB2A1: (">", 1e-9),
}
_LINK_ETHERNET, _LINK_LINUX_SLL, _LINK_RAW = 1, 113, 101
_CALL_ID = re.compile(rb"^(?:Call-ID|i)\s*:\s*(\S+)", re.IGNORECASE | re.MULTILINE)
_CSEQ = re.compile(rb"^CSeq\s*:\s*\d+\s+(\w+)", re.IGNORECASE | re.MULTILINE)
_M_AUDIO = re.compile(rb"^m=audio (\d+) ", re.MULTILINE)


@dataclass(frozen=True)
class CallTiming:
    """One call as seen on the wire (seconds since the epoch; ``None`` when not seen)."""

    call_id: str
    invite: float
    answer: float | None
    first_rtp: float | None

    @property
    def answer_ms(self) -> float | None:
        return None if self.answer is None else (self.answer - self.invite) * 1000

    @property
    def first_prompt_ms(self) -> float | None:
        return None if self.first_rtp is None else (self.first_rtp - self.invite) * 1000


def udp_packets(path: Path) -> Iterator[tuple[float, int, int, bytes]]:
    """``(time, source port, destination port, payload)`` of every IPv4 UDP packet in a pcap file."""
    data = path.read_bytes()
    if len(data) < 24:
        return
    magic = struct.unpack("<I", data[:4])[0]
    if magic not in _PCAP_MAGIC:
        raise ValueError(f"{path}: not a pcap file")
    order, unit = _PCAP_MAGIC[magic]
    link = struct.unpack(order + "I", data[20:24])[0]
    offset = {_LINK_ETHERNET: 14, _LINK_LINUX_SLL: 16, _LINK_RAW: 0}.get(link)
    if offset is None:
        raise ValueError(f"{path}: unsupported link type {link}")
    record = struct.Struct(order + "IIII")
    pos, end = 24, len(data)
    while pos + 16 <= end:
        sec, frac, caplen, _ = record.unpack_from(data, pos)
        pos += 16
        frame = data[pos : pos + caplen]
        pos += caplen
        ip = offset
        if len(frame) < ip + 28 or frame[ip] >> 4 != 4 or frame[ip + 9] != 17:
            continue
        udp = ip + (frame[ip] & 0x0F) * 4
        sport, dport = struct.unpack_from("!HH", frame, udp)
        yield sec + frac * unit, sport, dport, frame[udp + 8 :]


def call_timings(sip_pcap: Path, rtp_pcap: Path, sip_port: int) -> list[CallTiming]:
    """Match INVITEs, their 200 OKs and the first RTP packet of each call (see the module docstring)."""
    invites: dict[str, float] = {}
    answers: dict[str, tuple[float, int]] = {}
    for ts, sport, dport, payload in udp_packets(sip_pcap):
        found = _CALL_ID.search(payload)
        if found is None:
            continue
        call_id = found.group(1).decode(errors="replace")
        if dport == sip_port and payload.startswith(b"INVITE "):
            invites.setdefault(call_id, ts)
        elif sport == sip_port and payload.startswith(b"SIP/2.0 200"):
            cseq, audio = _CSEQ.search(payload), _M_AUDIO.search(payload)
            if cseq and cseq.group(1) == b"INVITE" and audio and call_id not in answers:
                answers[call_id] = (ts, int(audio.group(1)))
    # Per Asterisk RTP port, the calls answered on it in time order; a packet belongs to the latest one.
    by_port: dict[int, list[tuple[float, str]]] = defaultdict(list)
    for call_id, (ts, port) in answers.items():
        by_port[port].append((ts, call_id))
    for calls in by_port.values():
        calls.sort()
    cursor: dict[int, int] = {}
    first: dict[str, float] = {}
    for ts, sport, _dport, _payload in udp_packets(rtp_pcap):
        on_port = by_port.get(sport)
        if not on_port:
            continue
        index = cursor.get(sport, -1)
        while index + 1 < len(on_port) and on_port[index + 1][0] <= ts:
            index += 1
        cursor[sport] = index
        if index >= 0:
            first.setdefault(on_port[index][1], ts)
    timings = []
    for call_id, started in invites.items():
        answer = answers.get(call_id)
        timings.append(CallTiming(call_id, started, answer[0] if answer else None, first.get(call_id)))
    return timings


class LoopbackCapture:
    """``tcpdump`` on ``lo`` for one load step: SIP on ``sip_port``, RTP from ``rtp_range`` (headers)."""

    def __init__(self, folder: Path, sip_port: int, rtp_range: tuple[int, int]) -> None:
        tool = shutil.which("tcpdump")
        if tool is None:
            raise RuntimeError("tcpdump is not installed (apt-get install tcpdump)")
        self.tool = tool
        self.sip_pcap = folder / "sip.pcap"
        self.rtp_pcap = folder / "rtp.pcap"
        self.sip_port = sip_port
        self.rtp_range = rtp_range
        self._procs: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> LoopbackCapture:
        start, end = self.rtp_range
        jobs = (
            (self.sip_pcap, "0", f"udp port {self.sip_port}"),
            (self.rtp_pcap, "64", f"udp src portrange {start}-{end}"),
        )
        for path, snaplen, bpf in jobs:
            path.unlink(missing_ok=True)
            # -Z root: write the file as root (the default drops to the tcpdump user, who cannot).
            cmd = [
                self.tool,
                "-i",
                "lo",
                "-n",
                "-s",
                snaplen,
                "-B",
                "8192",
                "-Z",
                "root",
                "-w",
                str(path),
                bpf,
            ]
            self._procs.append(
                subprocess.Popen(
                    cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
                )
            )
        self._wait_listening()
        return self

    def _wait_listening(self, seconds: float = 5.0) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if (
                all(p.poll() is None for p in self._procs)
                and self.sip_pcap.exists()
                and self.rtp_pcap.exists()
            ):
                time.sleep(0.3)  # the file exists once tcpdump has opened the interface
                return
            if any(p.poll() is not None for p in self._procs):
                break
            time.sleep(0.05)
        errors = b"".join(p.stderr.read() if p.stderr and p.poll() is not None else b"" for p in self._procs)
        self.stop()
        raise RuntimeError(f"tcpdump did not start: {errors.decode(errors='replace').strip()}")

    def stop(self) -> None:
        """Stop both tcpdumps (SIGINT flushes their buffers) and wait for them."""
        for proc in self._procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGINT)
        for proc in self._procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
            if proc.stderr is not None:
                proc.stderr.close()
        self._procs.clear()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def timings(self) -> list[CallTiming]:
        return call_timings(self.sip_pcap, self.rtp_pcap, self.sip_port)

    def remove(self) -> None:
        for path in (self.sip_pcap, self.rtp_pcap):
            path.unlink(missing_ok=True)
