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
from dataclasses import dataclass
from pathlib import Path

from sandbox.sipp.citizen import ERRORS_FILE, CallResult, result_of
from sandbox.sipp.scenario import Answer, answer_xml, register_xml


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
        scenario = folder / "answer.xml"
        scenario.write_text(answer_xml(answer), encoding="utf-8")
        command = [
            _sipp(), "-sf", str(scenario), "-m", str(calls), "-i", "127.0.0.1", "-p", str(self.port),
            "-mp", str(self.media_port), "-timeout", f"{timeout_s}s", "-timeout_error", "-nostdin", "-aa",
            "-trace_err", "-error_file", str(folder / ERRORS_FILE),
        ]  # fmt: skip
        return subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=folder
        )


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
