"""The one SIPp scenario builder: a simulated citizen's call as a list of steps → SIPp XML. Pure.

Every call is ``INVITE`` → ``200`` → ``ACK`` (A-law and RFC 2833 events offered), then the steps, then our
``BYE``. Each wait is a bounded ``recv BYE``, so a hang-up from the hotline's side (the out-of-hours
goodbye, a benchmark queue timeout) is noticed at once: by default it ends the call cleanly (SIPp counts
it as successful); with ``early_hangup_fails`` it makes the call a failure (SIPp waits for a request that
never comes). :class:`AwaitHangup` as the last step waits for the hotline to hang up instead of hanging
up ourselves.

Media: :class:`Press` plays SIPp's RFC 2833 DTMF capture of the key, :class:`Speak` streams an 8 kHz A-law
WAV (``rtp_stream`` needs a literal path, so one scenario is written per audio file), :class:`PlayPcap`
plays any RTP capture (e.g. a burst of silence: a phone sends audio once answered).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from sandbox.sipp.dtmf import dtmf_pcap, press_capture


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


@dataclass(frozen=True)
class PlayPcap:
    """Play an RTP capture (``play_pcap_audio``) and go straight on."""

    pcap: Path


@dataclass(frozen=True)
class AwaitHangup:
    """Wait up to ``ms`` for the hotline to hang up (it is a failed call if it does not); last step only."""

    ms: int


Step = Wait | Press | Speak | PlayPcap | AwaitHangup


def _press(digit: str, press: int, presses_dir: Path | None) -> Path:
    """The capture of a call's press number ``press``: renumbered in ``presses_dir`` when given
    (:func:`~sandbox.sipp.dtmf.write_press_captures`), else SIPp's own."""
    return press_capture(presses_dir, press, digit) if presses_dir is not None else dtmf_pcap(digit)


def press_digits(steps: Sequence[object]) -> list[str]:
    """The keys a call presses, in order (for :func:`~sandbox.sipp.dtmf.write_press_captures`)."""
    return [step.digit for step in steps if isinstance(step, Press)]


@dataclass(frozen=True)
class CallScenario:
    """One call's steps and how its end is judged; :meth:`xml` is the SIPp scenario."""

    steps: tuple[Step, ...]
    name: str = "citizen calls 12345"
    answer_timeout_ms: int | None = None  # no 200 within this long: a failed call (None: SIPp's -timeout)
    early_hangup_fails: bool = False  # a BYE from the hotline before ours makes the call a failure
    presses_dir: Path | None = None  # where the renumbered key captures are (None: SIPp's own captures)

    def __post_init__(self) -> None:
        for step in self.steps[:-1]:
            if isinstance(step, AwaitHangup):
                raise ValueError("AwaitHangup can only be the last step")
        for step in self.steps:
            if isinstance(step, Press):
                dtmf_pcap(step.digit)  # validates the digit

    def xml(self) -> str:
        """The SIPp XML of this call."""
        body: list[str] = []
        awaits_hangup = False
        presses = 0
        for index, step in enumerate(self.steps):
            match step:
                case Press(digit=digit, after_ms=after_ms):
                    capture = _press(digit, presses, self.presses_dir)
                    presses += 1
                    body += [_exec(f'play_pcap_audio="{escape(str(capture))}"'), _wait(after_ms, index)]
                case Speak(wav=wav, ms=ms):
                    body += [_exec(f'rtp_stream="{escape(str(wav))},1,8"'), _wait(ms, index)]
                case PlayPcap(pcap=pcap):
                    body.append(_exec(f'play_pcap_audio="{escape(str(pcap))}"'))
                case Wait(ms=ms):
                    body.append(_wait(ms, index))
                case AwaitHangup(ms=ms):
                    body.append(f'  <recv request="BYE" timeout="{max(ms, 1)}"/>')
                    awaits_hangup = True
        timeout = f' timeout="{self.answer_timeout_ms}"' if self.answer_timeout_ms else ""
        ending = _HUNG_UP_ON if awaits_hangup else _OUR_HANGUP + _HUNG_UP_ON
        if self.early_hangup_fails and not awaits_hangup:
            ending += _FAIL_AFTER_HUNG_UP_ON
        return (
            _HEAD.replace("@NAME@", escape(self.name)).replace("@ANSWER_TIMEOUT@", timeout)
            + "\n".join(body)
            + "\n"
            + ending
            + '  <label id="end"/>\n</scenario>\n'
        )


def _exec(action: str) -> str:
    return f"  <nop><action><exec {action}/></action></nop>"


def _wait(ms: int, index: int) -> str:
    # A BYE from the hotline ends the call (→ label "hungup"); otherwise go on after ``ms``.
    return (
        f'  <recv request="BYE" timeout="{max(ms, 1)}" ontimeout="s{index}" next="hungup"/>\n'
        f'  <label id="s{index}"/>'
    )


_HEAD = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="@NAME@">
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
  <recv response="200" rtd="true"@ANSWER_TIMEOUT@/>
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
"""

_OK_TO_BYE = """  <send><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Length: 0

    ]]></send>
"""

_OUR_HANGUP = """  <send retrans="500"><![CDATA[
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
"""

_HUNG_UP_ON = '  <label id="hungup"/>\n' + _OK_TO_BYE


# Hung up on before our BYE: wait for a request that never comes, so SIPp counts the call as failed.
_FAIL_AFTER_HUNG_UP_ON = '  <recv request="NEVER" timeout="1"/>\n'


# -- an agent's phone: register, then answer -----------------------------------------------------------


def register_xml(user: str, password: str, *, expires_s: int = 3600, settle_ms: int = 1500) -> str:
    """SIPp XML of one ``REGISTER`` of ``user`` (digest authentication on the 401), contact = our port.

    ``expires_s=0`` unregisters; ``settle_ms``: how long to stay after the 200 (to answer a qualify).
    """

    def register(cseq: int, auth: str) -> str:
        return f"""  <send retrans="500"><![CDATA[
      REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:{user}@[remote_ip]:[remote_port]>;tag=[pid]Reg[call_number]
      To: <sip:{user}@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: {cseq} REGISTER
      Contact: <sip:{user}@[local_ip]:[local_port]>
      Expires: {expires_s}
      Max-Forwards: 70
{auth}      Content-Length: 0

    ]]></send>
"""

    auth = f"      [authentication username={escape(user)} password={escape(password)}]\n"
    return (
        f'<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="register {escape(user)}">\n'
        + register(1, "")
        + '  <recv response="401" auth="true"/>\n'
        + register(2, auth)
        + '  <recv response="200"/>\n'
        # stay a moment: Asterisk may qualify the new contact at once (SIPp's -aa answers the OPTIONS)
        + (f'  <pause milliseconds="{settle_ms}"/>\n' if settle_ms > 0 else "")
        + "</scenario>\n"
    )


@dataclass(frozen=True)
class Answer:
    """How a phone takes a call: ring ``ring_ms``, answer, do ``steps`` (keys and pauses: a citizen
    answering the 回访 survey), talk ``talk_ms``, then hang up (or, with ``talk_ms=None``, wait for the
    other side to). ``ring_ms=None`` never answers: it rings until the call is cancelled."""

    ring_ms: int | None = 500
    talk_ms: int | None = 3000
    steps: tuple[Wait | Press, ...] = ()

    def __post_init__(self) -> None:
        for step in self.steps:
            if isinstance(step, Press):
                dtmf_pcap(step.digit)


def answer_xml(answer: Answer, presses_dir: Path | None = None) -> str:
    """SIPp UAS XML of one incoming call handled as ``answer`` says (``presses_dir``: see
    :attr:`CallScenario.presses_dir`)."""
    # Our own BYE needs the caller's From, our To and their Contact: capture them (SIPp refuses a
    # scenario that captures variables it never uses, so only then).
    hangs_up = answer.ring_ms is not None and answer.talk_ms is not None
    captures = _CAPTURES if hangs_up else ""
    ringing = f"""  <recv request="INVITE" crlf="true">{captures}</recv>
  <send><![CDATA[
      SIP/2.0 180 Ringing
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]Agent[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Length: 0

    ]]></send>
"""
    if answer.ring_ms is None:
        return _uas(ringing + _CANCELLED)
    ok = f"""  <pause milliseconds="{max(answer.ring_ms, 1)}"/>
  <send retrans="500"><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]Agent[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=agent 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 8 101
      a=rtpmap:8 PCMA/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-15
    ]]></send>
  <recv request="ACK" rtd="true" crlf="true"/>
"""
    presses = 0
    for index, step in enumerate(answer.steps):
        if isinstance(step, Press):
            capture = _press(step.digit, presses, presses_dir)
            presses += 1
            ok += _exec(f'play_pcap_audio="{escape(str(capture))}"') + "\n"
        ms = step.after_ms if isinstance(step, Press) else step.ms
        ok += (
            f'  <recv request="BYE" timeout="{max(ms, 1)}" ontimeout="a{index}" next="their_bye"/>\n'
            f'  <label id="a{index}"/>\n'
        )
    if answer.talk_ms is None:
        ending = '  <recv request="BYE"/>\n  <label id="their_bye"/>\n' + _OK_TO_BYE
    else:
        ending = (
            f'  <recv request="BYE" timeout="{max(answer.talk_ms, 1)}" ontimeout="bye" next="their_bye"/>\n'
            '  <label id="bye"/>\n' + _UAS_BYE + '  <recv response="200" crlf="true" next="end"/>\n'
            '  <label id="their_bye"/>\n' + _OK_TO_BYE
        )
    return _uas(ringing + ok + ending + '  <label id="end"/>\n')


def _uas(body: str) -> str:
    return f'<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="agent phone">\n{body}</scenario>\n'


_CAPTURES = """
    <action>
      <ereg regexp=".*" search_in="hdr" header="From:" assign_to="caller"/>
      <ereg regexp=".*" search_in="hdr" header="To:" assign_to="callee"/>
      <ereg regexp="sip:[^>;]*" search_in="hdr" header="Contact:" assign_to="contact"/>
    </action>
  """

_CANCELLED = """  <recv request="CANCEL"/>
  <send><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]Agent[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]></send>
  <send><![CDATA[
      SIP/2.0 487 Request Terminated
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]Agent[call_number]
      [last_Call-ID:]
      CSeq: [last_cseq_number] INVITE
      Content-Length: 0

    ]]></send>
  <recv request="ACK"/>
"""

_UAS_BYE = """  <send retrans="500"><![CDATA[
      BYE [$contact] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: [$callee];tag=[pid]Agent[call_number]
      To: [$caller]
      Call-ID: [call_id]
      CSeq: 1 BYE
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
      Content-Length: 0

    ]]></send>
"""
