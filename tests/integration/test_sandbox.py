"""The real Asterisk 22 sandbox: provisioning, rendered config, CLI, AMI, ARI and a SIPp call.

Nothing here is skipped: if the chroot cannot be provisioned or Asterisk does not start, the tests fail
with the reason. The instance uses its own config directory and allocated ports so it can run next to a
developer's sandbox on the default ports.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import stat
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from sandbox import Sandbox, SandboxError
from sandbox.ports import free_port, free_ports, free_udp_range

PORTS = free_ports()  # allocated, never fixed: see sandbox/ports.py
CONFIG_DIR = "/etc/asterisk/hotline-test"
QUEUES = (
    "hotline-consult",
    "hotline-help",
    "hotline-complaint-report",
    "hotline-suggestion-praise",
    "hotline-general",
)
SIPP_PORT, SIPP_MEDIA_PORT = free_port(), free_udp_range(10)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    sb = Sandbox(config_dir=CONFIG_DIR, ports=PORTS)
    try:
        sb.up()
    except SandboxError as exc:
        pytest.fail(f"the Asterisk sandbox could not be provisioned/started: {exc}")
    try:
        yield sb
    finally:
        sb.down()


def _wait_for(predicate: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    pytest.fail(f"timed out after {seconds:.0f} s waiting for {what}")


def _ami_login(port: int, user: str, secret: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        stream = conn.makefile("rwb")
        banner = stream.readline().decode()
        assert banner.startswith("Asterisk Call Manager/"), banner
        stream.write(f"Action: Login\r\nUsername: {user}\r\nSecret: {secret}\r\n\r\n".encode())
        stream.flush()
        lines: list[str] = []
        while True:
            line = stream.readline().decode()
            if line in ("\r\n", ""):
                break
            lines.append(line.strip())
        return "\n".join(lines)


def _idle(channels: str) -> bool:
    """`core show channels` reports no channel and no call ("0 of N max active calls" with maxcalls)."""
    no_channels = re.search(r"^0 active channels$", channels, re.MULTILINE) is not None
    no_calls = re.search(r"^0 (of \d+ max )?active calls", channels, re.MULTILINE) is not None
    return no_channels and no_calls


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def test_core_version_is_asterisk_22(sandbox: Sandbox) -> None:
    assert "Asterisk 22" in sandbox.cli("core show version")
    assert sandbox.is_running()
    assert sandbox.status().running


def test_every_configured_module_is_running(sandbox: Sandbox) -> None:
    assert sandbox.missing_modules() == []
    ari = sandbox.cli("module show like res_ari")
    assert re.search(r"^res_ari\.so\s.*\bRunning\b", ari, re.MULTILINE), ari
    assert "res_ari_channels.so" in ari
    assert "Not Running" not in ari


def test_dialplan_has_the_hotline_contexts(sandbox: Sandbox) -> None:
    dialplan = sandbox.cli("dialplan show")
    for context in ("from-citizens", "hotline-queues", "hotline-survey-out", "agents", "bench-dialplan-menu"):
        assert f"Context '{context}'" in dialplan, context
    entry = sandbox.cli("dialplan show 12345@from-citizens")
    assert "Stasis(hotline-ivr)" in entry
    assert "hotline-queues,general,1" in entry


def test_five_skill_queues_with_service_level_20(sandbox: Sandbox) -> None:
    queues = sandbox.cli("queue show")
    for queue in QUEUES:
        line = next((ln for ln in queues.splitlines() if ln.startswith(f"{queue} has ")), None)
        assert line is not None, f"{queue} missing in:\n{queues}"
        assert "'rrmemory' strategy" in line
        assert "within 20s" in line


def test_pjsip_endpoints(sandbox: Sandbox) -> None:
    endpoints = sandbox.cli("pjsip show endpoints")
    for name in ("citizens", "agent1001", "agent1002", "agent1003"):
        assert re.search(rf"Endpoint:\s+{name}\b", endpoints), name
    assert "127.0.0.1" in sandbox.cli("pjsip show identifies")


def test_secrets_are_private_and_not_in_the_repo(sandbox: Sandbox) -> None:
    secrets_file = sandbox.host_path(f"{CONFIG_DIR}/secrets.env")
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    repo = Path(__file__).resolve().parents[2] / "sip_configs"
    committed = "".join(p.read_text(encoding="utf-8") for p in repo.glob("*.tmpl"))
    for value in sandbox.secrets.values():
        assert value not in committed


def test_ari_answers_with_the_rendered_credentials(sandbox: Sandbox) -> None:
    info = httpx.get(f"{sandbox.ari_url}/asterisk/info", auth=sandbox.ari_credentials, timeout=10)
    assert info.status_code == 200, info.text
    assert info.json()["system"]["version"].startswith("22.")
    user, _ = sandbox.ari_credentials
    denied = httpx.get(f"{sandbox.ari_url}/asterisk/info", auth=(user, "wrong"), timeout=10)
    assert denied.status_code == 401


def test_ami_login_with_the_rendered_secret(sandbox: Sandbox) -> None:
    user, secret = sandbox.ami_credentials
    assert "Response: Success" in _ami_login(PORTS.ami, user, secret)
    assert "Response: Error" in _ami_login(PORTS.ami, user, "wrong")


def test_sipp_call_without_stasis_app_falls_back_to_the_general_queue(sandbox: Sandbox) -> None:
    sipp = shutil.which("sipp")
    if sipp is None:
        pytest.fail("sipp is not installed (Debian package sip-tester): apt-get install sip-tester")
    cmd = [
        sipp,
        "-sn",
        "uac",
        "-s",
        "12345",
        f"127.0.0.1:{PORTS.sip}",
        "-i",
        "127.0.0.1",
        "-p",
        str(SIPP_PORT),
        "-mp",
        str(SIPP_MEDIA_PORT),
        "-m",
        "1",
        "-d",
        "6000",  # hang up 6 s after the answer
        "-timeout",
        "30s",
        "-timeout_error",
        "-nostdin",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd="/tmp")
    try:
        _wait_for(
            lambda: "PJSIP/citizens-" in sandbox.cli("queue show hotline-general"),
            15,
            "the caller to wait in hotline-general",
        )
        channels = sandbox.cli("core show channels")
        assert "Queue(hotline-general" in channels, channels
        output, _ = proc.communicate(timeout=40)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, output.decode(errors="replace")[-2000:]
    _wait_for(
        lambda: _idle(sandbox.cli("core show channels")),
        15,
        "no channel left after the call",
    )
    assert "No Callers" in sandbox.cli("queue show hotline-general")


def test_down_stops_everything(sandbox: Sandbox) -> None:
    assert _listening(PORTS.ami)
    assert "stopped" in sandbox.down() or not sandbox.is_running()
    assert not sandbox.is_running()
    assert not _listening(PORTS.ami)
    assert not _listening(PORTS.http)
    assert sandbox.down() == "not running"  # idempotent
    assert not os.path.exists(sandbox.pid_file)
