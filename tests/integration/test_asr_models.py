"""``install`` over real HTTP: a local server on 127.0.0.1 serves zips built here (a tiny fake-but-valid
Vosk layout, not the real model). Every failure must leave nothing behind in the models directory."""

from __future__ import annotations

import hashlib
import io
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from asr.errors import ChecksumMismatch, DownloadError, ModelCorrupt, ModelMissing, SizeMismatch
from asr.model_install import install
from asr.model_registry import resolve_model_path, verify

LAYOUT = {
    "am/final.mdl": b"acoustic model",
    "conf/mfcc.conf": b"--use-energy=false\n",
    "graph/HCLr.fst": b"hclr",
    "graph/Gr.fst": b"gr",
    "ivector/final.ie": b"ivector" * 1000,
}


def make_zip(files: dict[str, bytes], top: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for rel, data in files.items():
            zf.writestr(f"{top}/{rel}", data)
    return buf.getvalue()


def leftovers(models_dir: Path) -> list[str]:
    return sorted(p.name for p in models_dir.iterdir()) if models_dir.exists() else []


GOOD = make_zip(LAYOUT, top="vosk-model-fake-0.1")


class Server:
    """Serves ``files`` by path; ``/truncated.zip`` promises GOOD's length but sends half and hangs up."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {
            "/good.zip": GOOD,
            "/corrupt.zip": GOOD[: len(GOOD) // 2] + b"\0" * 64,
        }
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                if self.path == "/truncated.zip":
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(GOOD)))
                    self.end_headers()
                    self.wfile.write(GOOD[: len(GOOD) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    srv = Server()
    thread = threading.Thread(target=srv.httpd.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


SHA = hashlib.sha256(GOOD).hexdigest()


def test_good_install_with_progress_then_idempotent(server: Server, tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    result = install(
        "fake",
        tmp_path,
        url=server.url("/good.zip"),
        sha256=SHA,
        size=len(GOOD),
        progress=lambda d, t: seen.append((d, t)),
    )
    assert result.path == tmp_path / "fake"
    assert result.size == len(GOOD)
    assert not result.already_installed
    assert seen[-1] == (len(GOOD), len(GOOD))
    assert leftovers(tmp_path) == ["fake"]
    assert verify("fake", tmp_path).ok
    assert resolve_model_path("fake", tmp_path) == tmp_path / "fake"
    before = len(server.requests)
    again = install("fake", tmp_path, url=server.url("/good.zip"), sha256=SHA)
    assert again.already_installed
    assert len(server.requests) == before


def test_wrong_sha256(server: Server, tmp_path: Path) -> None:
    with pytest.raises(ChecksumMismatch, match=SHA):
        install("fake", tmp_path, url=server.url("/good.zip"), sha256="0" * 64)
    assert leftovers(tmp_path) == []


def test_wrong_size(server: Server, tmp_path: Path) -> None:
    with pytest.raises(SizeMismatch):
        install("fake", tmp_path, url=server.url("/good.zip"), sha256=SHA, size=len(GOOD) + 1)
    assert leftovers(tmp_path) == []


def test_truncated_download(server: Server, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=r"truncated\.zip"):
        install("fake", tmp_path, url=server.url("/truncated.zip"), sha256=SHA)
    assert leftovers(tmp_path) == []


def test_corrupt_zip(server: Server, tmp_path: Path) -> None:
    corrupt = server.files["/corrupt.zip"]
    with pytest.raises(ModelCorrupt):
        install("fake", tmp_path, url=server.url("/corrupt.zip"), sha256=hashlib.sha256(corrupt).hexdigest())
    assert leftovers(tmp_path) == []


def test_http_error(server: Server, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="404"):
        install("fake", tmp_path, url=server.url("/missing.zip"), sha256=SHA)
    assert leftovers(tmp_path) == []


def test_failed_reinstall_keeps_the_previous_install(server: Server, tmp_path: Path) -> None:
    install("fake", tmp_path, url=server.url("/good.zip"), sha256=SHA)
    with pytest.raises(DownloadError):
        install("fake", tmp_path, url=server.url("/truncated.zip"), sha256=SHA, force=True)
    assert leftovers(tmp_path) == ["fake"]
    assert verify("fake", tmp_path).ok


def test_missing_model_message(tmp_path: Path) -> None:
    with pytest.raises(ModelMissing) as info:
        verify("vosk-model-small-cn-0.22", tmp_path)
    assert "hotline asr models install vosk-model-small-cn-0.22" in info.value.message
