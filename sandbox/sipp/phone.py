"""A simulated agent phone: SIPp registers as an agent endpoint (``agent1001``…), then answers the calls
Asterisk sends it (the queue ringing the agent), as :class:`~sandbox.sipp.scenario.Answer` says.

SIPp answers Asterisk's ``OPTIONS`` keep-alives itself (``-aa``: the agent AORs are qualified).
Registration and answering are two SIPp runs on the same local port: the registration's ``Contact`` is
that port, so Asterisk's ``INVITE`` reaches the answering SIPp, which starts right after.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sandbox.sipp.citizen import ERRORS_FILE, CallResult, result_of
from sandbox.sipp.dtmf import write_press_captures
from sandbox.sipp.scenario import Answer, answer_xml, press_digits, register_xml

MESSAGES_FILE = "messages.log"


@dataclass
class AgentPhone:
    """Endpoint ``user`` (with ``password``) of the Asterisk at ``host:server_port``, on local ``port``."""

    user: str
    password: str
    port: int
    media_port: int
    server_port: int = 5060
    host: str = "127.0.0.1"

    def register(self, *, expires_s: int = 3600, timeout_s: int = 15, settle_ms: int = 1500) -> CallResult:
        """Register (or, with ``expires_s=0``, unregister) and wait for the answer."""
        with tempfile.TemporaryDirectory(prefix="hotline-phone-") as tmp:
            folder = Path(tmp)
            scenario = folder / "register.xml"
            scenario.write_text(
                register_xml(self.user, self.password, expires_s=expires_s, settle_ms=settle_ms),
                encoding="utf-8",
            )
            command = [
                _sipp(), f"{self.host}:{self.server_port}", "-sf", str(scenario), "-m", "1",
                "-i", "127.0.0.1", "-p", str(self.port), "-timeout", f"{timeout_s}s", "-timeout_error",
                "-nostdin", "-aa", "-trace_err", "-error_file", str(folder / ERRORS_FILE),
            ]  # fmt: skip
            try:
                done = subprocess.run(
                    command, capture_output=True, text=True, timeout=timeout_s + 10, cwd=folder
                )
            except subprocess.TimeoutExpired as exc:
                return CallResult(-1, str(exc.stdout or ""), "SIPp did not finish the registration")
            return result_of(done.returncode, done.stdout, done.stderr, folder)

    def answer(
        self, folder: Path, answer: Answer, *, calls: int = 1, timeout_s: int = 120
    ) -> subprocess.Popen[str]:
        """Start answering ``calls`` calls in the background (files in ``folder``); SIPp exits after them."""
        return answer_calls(self.port, self.media_port, folder, answer, calls=calls, timeout_s=timeout_s)


@dataclass
class CitizenLine:
    """The citizens' side of the trunk (``citizens`` in pjsip.conf): SIPp on local ``port`` answers the
    hotline's outbound calls — 回访 surveys, callbacks — as :class:`Answer` says."""

    port: int
    media_port: int

    def answer(
        self, folder: Path, answer: Answer, *, calls: int = 1, timeout_s: int = 180
    ) -> subprocess.Popen[str]:
        """Start answering ``calls`` calls in the background (files and the message trace in ``folder``)."""
        return answer_calls(self.port, self.media_port, folder, answer, calls=calls, timeout_s=timeout_s)


def answer_calls(
    port: int, media_port: int, folder: Path, answer: Answer, *, calls: int, timeout_s: int
) -> subprocess.Popen[str]:
    """SIPp answering ``calls`` calls on ``port``, each as ``answer`` says; every SIP message it gets is
    traced to ``folder`` (:func:`invites_received` counts the calls that reached it)."""
    scenario = folder / "answer.xml"
    write_press_captures(press_digits(answer.steps), folder)
    scenario.write_text(answer_xml(answer, presses_dir=folder), encoding="utf-8")
    command = [
        _sipp(), "-sf", str(scenario), "-m", str(calls), "-i", "127.0.0.1", "-p", str(port),
        "-mp", str(media_port), "-timeout", f"{timeout_s}s", "-timeout_error", "-nostdin", "-aa",
        "-trace_err", "-error_file", str(folder / ERRORS_FILE), "-trace_msg",
        "-message_file", str(folder / MESSAGES_FILE),
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=folder)


def invites_received(folder: Path) -> int:
    """How many new calls (INVITEs without a To tag; retransmissions counted once) reached the SIPp of
    :func:`answer_calls` so far."""
    return sum(invites_by_number(folder).values())


def invites_by_number(folder: Path) -> Counter[str]:
    """The new calls that reached the SIPp of :func:`answer_calls`, counted by the number dialled (the user
    part of the INVITE's request URI); retransmissions are counted once."""
    path = folder / MESSAGES_FILE
    if not path.exists():
        return Counter()
    text = path.read_text(errors="replace")
    calls: dict[str, str] = {}
    for block in text.split("message received")[1:]:
        lines = block.split("\n", 3)
        if len(lines) < 3 or not lines[2].startswith("INVITE "):
            continue
        number = lines[2].split()[1].removeprefix("sip:").split("@", 1)[0]
        for line in block.splitlines():
            if line.lower().startswith("call-id:"):
                calls[line.split(":", 1)[1].strip()] = number
                break
    return Counter(calls.values())


def finished(proc: subprocess.Popen[str], folder: Path, timeout_s: float = 30) -> CallResult:
    """Wait for a background SIPp (killed after ``timeout_s``) and say how it went."""
    try:
        out, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    return result_of(proc.returncode, out, err, folder)


def _sipp() -> str:
    sipp = shutil.which("sipp")
    if sipp is None:
        raise RuntimeError("sipp is not installed (Debian package sip-tester)")
    return sipp
