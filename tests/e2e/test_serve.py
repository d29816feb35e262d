"""``hotline serve`` as a user starts it: migrates the dev database, serves the API, stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

HOTLINE = Path(sys.executable).with_name("hotline")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_serve_answers_and_stops_cleanly(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "HOTLINE_DATABASE_URL": f"sqlite:///{tmp_path}/serve.sqlite3"}
    env.pop("HOTLINE_ARI_URL", None)
    process = subprocess.Popen(
        [str(HOTLINE), "serve", "--port", str(port)], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1, trust_env=False).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "server did not come up"
            time.sleep(0.2)
        assert httpx.get(f"{base}/docs", trust_env=False).status_code == 200
        spec = httpx.get(f"{base}/openapi.json", trust_env=False).json()
        assert "/api/v1/tickets/{ref}/dispatch" in spec["paths"]
        refused = httpx.get(f"{base}/api/v1/tickets", trust_env=False)
        assert refused.status_code == 401
        assert refused.json()["error_id"] == "authentication_required"
        assert (tmp_path / "serve.sqlite3").exists()  # the dev profile migrated the database
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    # uvicorn shuts down gracefully, then re-raises the signal it caught (exit status -SIGTERM).
    assert process.returncode in (0, -signal.SIGTERM), stderr
    assert "Finished server process" in stderr
