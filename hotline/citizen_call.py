"""A simulated citizen: one SIPp call to 12345 that presses keys and speaks, for the demo and tests.

The scenario is generated per call. Every wait is a bounded ``recv BYE`` so that a hang-up from our
side (e.g. the out-of-hours goodbye) ends the call cleanly instead of failing SIPp.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

DTMF_PCAP_DIR = Path("/usr/share/sip-tester")
_PCAP_NAMES = {"*": "star", "#": "pound"}


@dataclass(frozen=True)
class Wait:
    """Stay on the line for ``ms`` milliseconds (ends early if we are hung up on)."""

    ms: int


@dataclass(frozen=True)
class Press:
    """Send one RFC 2833 DTMF digit (``0``–``9``, ``*``, ``#``), then wait ``after_ms``."""

    digit: str
    after_ms: int = 700


@dataclass(frozen=True)
class Speak:
    """Stream an 8 kHz A-law WAV (``sox in.wav -r 8000 -c 1 -e a-law out.wav``), waiting ``ms``."""

    wav: Path
    ms: int


Step = Wait | Press | Speak


@dataclass
class CallResult:
    """What SIPp said."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        """SIPp counted the call as successful."""
        return self.returncode == 0


@dataclass
class CitizenCall:
    """One call from ``caller`` to ``service`` at ``host:port``."""

    caller: str
    steps: list[Step] = field(default_factory=list)
    service: str = "12345"
    host: str = "127.0.0.1"
    port: int = 5060
    local_port: int = 5070
    media_port: int = 6000
    timeout_s: int = 180

    def scenario(self) -> str:
        """The SIPp XML for this call."""
        body: list[str] = []
        for index, step in enumerate(self.steps):
            if isinstance(step, Press):
                body.append(_exec(f'play_pcap_audio="{_dtmf_pcap(step.digit)}"'))
                body.append(_wait(step.after_ms, index))
            elif isinstance(step, Speak):
                body.append(_exec(f'rtp_stream="{escape(str(step.wav))},1,8"'))
                body.append(_wait(step.ms, index))
            else:
                body.append(_wait(step.ms, index))
        return _TEMPLATE.replace("@STEPS@", "\n".join(body))

    def run(self) -> CallResult:
        """Place the call and wait for SIPp to finish (bounded by ``timeout_s``)."""
        sipp = shutil.which("sipp")
        if sipp is None:
            raise RuntimeError("sipp is not installed (Debian package sip-tester)")
        with tempfile.TemporaryDirectory(prefix="hotline-sipp-") as tmp:
            scenario = Path(tmp, "call.xml")
            scenario.write_text(self.scenario(), encoding="utf-8")
            callers = Path(tmp, "callers.csv")
            callers.write_text(f"SEQUENTIAL\n{self.caller};\n", encoding="ascii")
            command = [
                sipp, f"{self.host}:{self.port}", "-sf", str(scenario), "-inf", str(callers),
                "-s", self.service, "-m", "1", "-i", "127.0.0.1", "-p", str(self.local_port),
                "-mp", str(self.media_port), "-timeout", f"{self.timeout_s}s", "-timeout_error",
                "-nostdin", "-trace_err", "-error_file", str(Path(tmp, "errors.log")),
            ]  # fmt: skip
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=self.timeout_s + 15, cwd=tmp
            )
            errors = Path(tmp, "errors.log")
            detail = errors.read_text(errors="replace")[-2000:] if errors.exists() else ""
            return CallResult(done.returncode, done.stdout[-4000:], done.stderr[-2000:] + detail)


def _dtmf_pcap(digit: str) -> str:
    name = _PCAP_NAMES.get(digit, digit)
    if not (len(digit) == 1 and (digit.isdigit() or digit in _PCAP_NAMES)):
        raise ValueError(f"not a DTMF digit: {digit!r}")
    return str(DTMF_PCAP_DIR / f"dtmf_2833_{name}.pcap")


def _exec(action: str) -> str:
    return f"  <nop><action><exec {action}/></action></nop>"


def _wait(ms: int, index: int) -> str:
    # A BYE from us ends the call (→ label "hungup"); otherwise go on after ``ms``.
    return (
        f'  <recv request="BYE" timeout="{max(ms, 1)}" ontimeout="s{index}" next="hungup"/>\n'
        f'  <label id="s{index}"/>'
    )


_TEMPLATE = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="citizen calls 12345">
  <send retrans="500"><![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "Citizen" <sip:[field0]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: sip:[field0]@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 8 101
      a=rtpmap:8 PCMA/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-15
    ]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true"/>
  <send><![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "Citizen" <sip:[field0]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: sip:[field0]@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0

    ]]></send>
@STEPS@
  <send retrans="500"><![CDATA[
      BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "Citizen" <sip:[field0]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Contact: sip:[field0]@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0

    ]]></send>
  <recv response="200" crlf="true" next="end"/>
  <label id="hungup"/>
  <send><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Length: 0

    ]]></send>
  <label id="end"/>
</scenario>
"""
