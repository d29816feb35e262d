"""SIPp load (the IVR benchmark): one scenario, SIPp's own rate/limit/total, distinct caller numbers.

Every call: ``INVITE`` → ``200`` → ``ACK`` and 100 ms of A-law silence (a phone starts sending audio
once answered; without it Asterisk's ``Answer()`` waits 500 ms for the caller's media before it goes
on, while ARI's answer does not wait, which would skew the first-prompt times); about 1 s later the
caller presses a key (RFC 4733 DTMF from a pcap), which stops the welcome; it stays ``hold_ms`` on the
line (by then it waits in the queue) and hangs up with ``BYE``. A call counts as successful only when
it gets that far: a final answer other than 200, no answer within 30 s, or a ``BYE`` from the server
before ours makes it a failed call.
"""

from __future__ import annotations

import csv
import shutil
import struct
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from sandbox.sipp.dtmf import dtmf_pcap
from sandbox.sipp.scenario import CallScenario, PlayPcap, Press, Wait

ANSWER_TIMEOUT_MS = 30_000


def write_silence_pcap(path: Path, packets: int = 5) -> None:
    """A pcap of ``packets`` RTP packets of A-law silence, 20 ms apart, for ``play_pcap_audio``.

    Same SSRC as SIPp's DTMF pcaps and sequence numbers just before theirs: one stream to Asterisk.
    """
    ssrc, first_seq, payload = 0x44E00E05, 0x2F30 - packets, b"\xd5" * 160
    frames = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for n in range(packets):
        rtp = struct.pack("!BBHII", 0x80, 8, first_seq + n, 160 * n, ssrc) + payload
        udp = struct.pack("!HHHH", 49176, 10000, 8 + len(rtp), 0) + rtp
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), n, 0, 64, 17, 0,
                         bytes([192, 168, 0, 3]), bytes([192, 168, 0, 1]))  # fmt: skip
        ether = b"\x00\x50\xbf\x99\x03\x36\x00\x0d\x87\x14\xac\x24\x08\x00"
        frame = ether + ip + udp
        usec = 20_000 * n
        frames.append(struct.pack("<IIII", 1_000_000_000, usec, len(frame), len(frame)) + frame)
    path.write_bytes(b"".join(frames))


def scenario(digit: str, key_after_ms: int, hold_ms: int, silence_pcap: Path) -> str:
    """The SIPp XML of one benchmark call."""
    pcap = dtmf_pcap(digit)
    if not pcap.is_file():
        raise RuntimeError(f"{pcap} is missing (Debian package sip-tester)")
    steps = (PlayPcap(silence_pcap), Wait(max(1, key_after_ms)), Press(digit, max(1, hold_ms)))
    return CallScenario(
        steps, name="hotline IVR benchmark call", answer_timeout_ms=ANSWER_TIMEOUT_MS, early_hangup_fails=True
    ).xml()


def write_callers(path: Path, prefix: str, count: int) -> None:
    """A SIPp injection file with ``count`` distinct 11-digit numbers ``<prefix><serial>``."""
    width = 11 - len(prefix)
    if width < len(str(count)):
        raise ValueError(f"prefix {prefix!r} leaves too few digits for {count} callers")
    lines = ["SEQUENTIAL"] + [f"{prefix}{n:0{width}d};" for n in range(1, count + 1)]
    path.write_text("\n".join(lines) + "\n", encoding="ascii")


@dataclass(frozen=True)
class SippLoad:
    """One SIPp run: ``calls`` calls at ``rate`` calls/s, at most ``limit`` at a time."""

    service: str
    rate: float
    limit: int
    calls: int
    host: str = "127.0.0.1"
    port: int = 5060
    local_port: int = 55100
    media_port: int = 55200
    timeout_s: int = 300


@dataclass(frozen=True)
class SippResult:
    """SIPp's own counts (from its ``-trace_stat`` file) and the wall time of the run."""

    returncode: int
    outgoing: int
    successful: int
    failed: int
    elapsed_s: float
    stderr: str


def run_load(load: SippLoad, folder: Path, scenario_xml: str, callers_csv: Path) -> SippResult:
    """Run SIPp in the foreground (no screen, no keyboard) until every call ended or the timeout."""
    sipp = shutil.which("sipp")
    if sipp is None:
        raise RuntimeError("sipp is not installed (Debian package sip-tester)")
    xml = folder / "bench.xml"
    xml.write_text(scenario_xml, encoding="utf-8")
    stats = folder / "stats.csv"
    stats.unlink(missing_ok=True)
    command = [
        sipp, f"{load.host}:{load.port}", "-sf", str(xml), "-inf", str(callers_csv), "-s", load.service,
        "-r", f"{load.rate:g}", "-rp", "1000", "-l", str(load.limit), "-m", str(load.calls),
        "-i", "127.0.0.1", "-p", str(load.local_port), "-mp", str(load.media_port),
        "-timeout", f"{load.timeout_s}s", "-timeout_error", "-nostdin",
        "-trace_stat", "-stf", str(stats), "-fd", "1",
        "-trace_err", "-error_file", str(folder / "sipp-errors.log"),
    ]  # fmt: skip
    started = time.monotonic()
    done = subprocess.run(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=load.timeout_s + 30, cwd=folder
    )
    elapsed = time.monotonic() - started
    outgoing, successful, failed = _final_counts(stats)
    stderr = done.stderr.decode(errors="replace")[-2000:]
    return SippResult(done.returncode, outgoing, successful, failed, elapsed, stderr)


def _final_counts(stats: Path) -> tuple[int, int, int]:
    """Cumulative outgoing / successful / failed calls from the last line of SIPp's statistics file."""
    if not stats.is_file():
        return 0, 0, 0
    with stats.open(newline="", encoding="utf-8", errors="replace") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    if len(rows) < 2:
        return 0, 0, 0
    header, last = rows[0], rows[-1]

    def value(name: str) -> int:
        try:
            return int(last[header.index(name)])
        except (ValueError, IndexError):
            return 0

    return value("OutgoingCall(C)"), value("SuccessfulCall(C)"), value("FailedCall(C)")
