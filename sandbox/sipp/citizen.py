"""A simulated citizen: one SIPp call to 12345 that presses keys and speaks, for the demo and tests.

The scenario is generated per call by :mod:`sandbox.sipp.scenario`; a hang-up from the hotline's side
(e.g. the out-of-hours goodbye) ends the call cleanly.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.sipp.dtmf import write_press_captures
from sandbox.sipp.scenario import AwaitHangup, CallScenario, Press, Speak, Step, Wait, press_digits

__all__ = ["AwaitHangup", "CallResult", "CitizenCall", "Press", "Speak", "Step", "Wait", "result_of"]

ERRORS_FILE = "errors.log"


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
        return CallScenario(tuple(self.steps)).xml()

    def start(self, folder: Path) -> subprocess.Popen[str]:
        """Start SIPp for this call in the background; its files (and ``errors.log``) go to ``folder``."""
        sipp = shutil.which("sipp")
        if sipp is None:
            raise RuntimeError("sipp is not installed (Debian package sip-tester)")
        scenario = folder / "call.xml"
        write_press_captures(press_digits(self.steps), folder)
        scenario.write_text(CallScenario(tuple(self.steps), presses_dir=folder).xml(), encoding="utf-8")
        callers = folder / "callers.csv"
        callers.write_text(f"SEQUENTIAL\n{self.caller};\n", encoding="ascii")
        command = [
            sipp, f"{self.host}:{self.port}", "-sf", str(scenario), "-inf", str(callers),
            "-s", self.service, "-m", "1", "-i", "127.0.0.1", "-p", str(self.local_port),
            "-mp", str(self.media_port), "-timeout", f"{self.timeout_s}s", "-timeout_error",
            "-nostdin", "-trace_err", "-error_file", str(folder / ERRORS_FILE),
        ]  # fmt: skip
        return subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=folder
        )

    def run(self) -> CallResult:
        """Place the call and wait for SIPp to finish (bounded by ``timeout_s``)."""
        with tempfile.TemporaryDirectory(prefix="hotline-sipp-") as tmp:
            folder = Path(tmp)
            proc = self.start(folder)
            try:
                out, err = proc.communicate(timeout=self.timeout_s + 15)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
            return result_of(proc.returncode, out, err, folder)


def result_of(returncode: int | None, stdout: str, stderr: str, folder: Path) -> CallResult:
    """A finished SIPp's result, with the end of its error file."""
    errors = folder / ERRORS_FILE
    detail = errors.read_text(errors="replace")[-2000:] if errors.exists() else ""
    code = -1 if returncode is None else returncode
    return CallResult(code, stdout[-4000:], stderr[-2000:] + detail)
