"""Render prompts with the real espeak-ng and sox: formats Asterisk plays, manifest skip, studio overrides."""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import pytest
from click.testing import CliRunner

from hotline.cli_prompts import prompts_group
from ivr.prompts import CATALOGUE, MANIFEST_FILE, Prompt, PromptBuildError, build_prompts, wav_info

if not (shutil.which("espeak-ng") and shutil.which("sox")):  # pragma: no cover - the CI image has both
    pytest.fail("espeak-ng and sox are required (apt-get install espeak-ng sox)", pytrace=False)

TWO = {p.id: p for p in (CATALOGUE["welcome"], CATALOGUE["describe"])}


def soxi(path: Path, flag: str) -> str:
    return subprocess.run(
        ["soxi", flag, str(path)], capture_output=True, text=True, check=True
    ).stdout.strip()


def write_wav(path: Path, rate: int, seconds: float, channels: int = 1) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        frame = b"\x10\x00" * channels
        out.writeframes(frame * int(rate * seconds))


def test_renders_16k_and_8k_mono_16bit(tmp_path: Path) -> None:
    report = build_prompts(tmp_path, catalogue=TWO)
    assert report.synthesised == ["welcome", "describe"]
    for prompt_id in TWO:
        hi, lo = tmp_path / f"{prompt_id}.wav16", tmp_path / f"{prompt_id}.wav"
        for path, rate in ((hi, 16000), (lo, 8000)):
            info = wav_info(path)
            assert (info.rate, info.channels, info.sample_width) == (rate, 1, 2)
            assert info.seconds > 1.0, f"{path.name} is suspiciously short: {info.seconds:.2f} s"
            assert soxi(path, "-r") == str(rate)
            assert soxi(path, "-c") == "1"
            assert soxi(path, "-b") == "16"
            assert soxi(path, "-e") == "Signed Integer PCM"
            assert path.stat().st_mode & 0o444 == 0o444  # readable by Asterisk's own user
        assert abs(wav_info(hi).seconds - wav_info(lo).seconds) < 0.05
    # the welcome (with the emergency pointer) is long enough to carry all of it
    assert wav_info(tmp_path / "welcome.wav16").seconds > 5


def test_second_build_is_a_no_op(tmp_path: Path) -> None:
    build_prompts(tmp_path, catalogue=TWO)
    stamps = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    report = build_prompts(tmp_path, catalogue=TWO)
    assert not report.changed
    assert report.skipped == ["welcome", "describe"]
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == stamps


def test_changed_text_or_missing_file_rebuilds_only_that_prompt(tmp_path: Path) -> None:
    build_prompts(tmp_path, catalogue=TWO)
    edited = {**TWO, "describe": Prompt("describe", "请在提示音后说明情况。", "edited")}
    report = build_prompts(tmp_path, catalogue=edited)
    assert (report.synthesised, report.skipped) == (["describe"], ["welcome"])
    (tmp_path / "welcome.wav").unlink()
    report = build_prompts(tmp_path, catalogue=edited)
    assert (report.synthesised, report.skipped) == (["welcome"], ["describe"])
    assert build_prompts(tmp_path, catalogue=edited, force=True).synthesised == ["welcome", "describe"]


def test_voice_change_rebuilds(tmp_path: Path) -> None:
    build_prompts(tmp_path, catalogue=TWO)
    assert build_prompts(tmp_path, catalogue=TWO, voice="cmn").synthesised == ["welcome", "describe"]


def test_studio_recording_wins(tmp_path: Path) -> None:
    out, studio = tmp_path / "out", tmp_path / "studio"
    studio.mkdir()
    build_prompts(out, catalogue=TWO)
    write_wav(studio / "welcome.wav16", 16000, 2.5)  # already Asterisk's wav16 format: copied as is
    report = build_prompts(out, catalogue=TWO, override_dir=studio)
    assert (report.overridden, report.skipped) == (["welcome"], ["describe"])
    assert (out / "welcome.wav16").read_bytes() == (studio / "welcome.wav16").read_bytes()
    low = wav_info(out / "welcome.wav")  # the 8 kHz counterpart is derived from it
    assert (low.rate, low.channels, round(low.seconds, 1)) == (8000, 1, 2.5)

    assert not build_prompts(out, catalogue=TWO, override_dir=studio).changed

    write_wav(studio / "welcome.wav16", 16000, 1.5)  # a new take replaces the old one
    assert build_prompts(out, catalogue=TWO, override_dir=studio).overridden == ["welcome"]
    assert round(wav_info(out / "welcome.wav").seconds, 1) == 1.5

    (studio / "welcome.wav16").unlink()  # studio file gone: back to synthesis
    assert build_prompts(out, catalogue=TWO, override_dir=studio).synthesised == ["welcome"]


def test_studio_recording_in_another_format_is_converted(tmp_path: Path) -> None:
    studio = tmp_path / "studio"
    studio.mkdir()
    write_wav(studio / "describe.wav", 44100, 1.0, channels=2)
    build_prompts(tmp_path / "out", catalogue=TWO, override_dir=studio)
    for name, rate in (("describe.wav16", 16000), ("describe.wav", 8000)):
        info = wav_info(tmp_path / "out" / name)
        assert (info.rate, info.channels, info.sample_width, round(info.seconds, 1)) == (rate, 1, 2, 1.0)


def test_manifest_records_source_and_text(tmp_path: Path) -> None:
    build_prompts(tmp_path, catalogue=TWO)
    manifest = (tmp_path / MANIFEST_FILE).read_text(encoding="utf-8")
    assert '"source": "tts"' in manifest
    assert CATALOGUE["describe"].text in manifest  # readable, not \u-escaped


def test_bad_voice_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PromptBuildError, match="espeak-ng"):
        build_prompts(tmp_path, catalogue=TWO, voice="no-such-voice")


def test_missing_tool_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PromptBuildError, match="apt-get install espeak-ng"):
        build_prompts(tmp_path / "out", catalogue=TWO)


def test_cli_builds_the_whole_catalogue(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(prompts_group, ["build", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"{len(CATALOGUE)} synthesised" in result.output
    for prompt_id in CATALOGUE:
        assert wav_info(tmp_path / f"{prompt_id}.wav16").seconds > 0.5
        assert wav_info(tmp_path / f"{prompt_id}.wav").rate == 8000
    result = runner.invoke(prompts_group, ["build", "--out", str(tmp_path)])
    assert f"{len(CATALOGUE)} unchanged" in result.output


def test_cli_builds_into_the_sandbox_sounds_dir(tmp_path: Path) -> None:
    root = tmp_path / "chroot"
    (root / "usr/sbin").mkdir(parents=True)
    (root / "usr/sbin/asterisk").write_text("")  # looks provisioned
    result = CliRunner().invoke(prompts_group, ["build", "--sandbox", "--root", str(root)])
    assert result.exit_code == 0, result.output
    assert wav_info(root / "usr/share/asterisk/sounds/hotline/welcome.wav16").rate == 16000
