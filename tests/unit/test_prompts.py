"""The prompt catalogue (data) and the ``prompts`` CLI group's pure parts."""

from __future__ import annotations

import re
import wave
from pathlib import Path

import pytest
from click.testing import CliRunner

from hotline.cli_prompts import prompts_group
from ivr.flows import MenuConfig, MenuPrompts
from ivr.prompts import (
    CATALOGUE,
    SOUNDS_SUBDIR,
    Prompt,
    PromptBuildError,
    Target,
    media_uri,
    targets_for,
    wav_info,
)
from sandbox.runtime import sounds_dir


def test_every_prompt_the_menu_can_play_is_in_the_catalogue() -> None:
    ids = MenuConfig().prompts.ids()
    assert len(ids) == len(set(ids)) == 11
    assert set(ids) <= set(CATALOGUE)


def test_prompt_ids_are_swappable() -> None:
    prompts = MenuPrompts(welcome="welcome_v2")
    assert "welcome_v2" in prompts.ids()


def test_ids_are_file_name_safe_and_keyed_correctly() -> None:
    for key, prompt in CATALOGUE.items():
        assert key == prompt.id
        assert re.fullmatch(r"[a-z][a-z0-9_]*", key)
        assert prompt.note
        assert prompt.note.isascii()


def test_menu_wording() -> None:
    assert CATALOGUE["menu"].text.startswith(
        "咨询请按1，求助请按2，投诉或举报请按3，建议或表扬请按4，人工服务请按0"
    )


@pytest.mark.parametrize("prompt_id", ["welcome", "out_of_hours"])
def test_emergency_pointer(prompt_id: str) -> None:
    text = CATALOGUE[prompt_id].text
    for number in ("110", "119", "120", "122"):
        assert number in text


def test_describe_wording() -> None:
    assert CATALOGUE["describe"].text == "请在提示音后描述您反映的事项，按井号键结束。"


def test_prompts_are_short() -> None:
    """R-TALK: warm and short — no prompt runs on (the out-of-hours notice is the longest)."""
    for prompt in CATALOGUE.values():
        assert len(prompt.text) <= 90, prompt.id


def test_speech_spells_numbers_for_the_synthesiser() -> None:
    for prompt in CATALOGUE.values():
        assert not re.search(r"[0-9]", prompt.tts_text), f"{prompt.id}: espeak would misread the digits"


def test_prompt_validation() -> None:
    with pytest.raises(ValueError, match="must match"):
        Prompt("Bad-Id", "文本", "note")
    with pytest.raises(ValueError, match="no text"):
        Prompt("empty", " ", "note")


def test_media_uri() -> None:
    assert media_uri("welcome") == "sound:hotline/welcome"


def test_targets() -> None:
    assert targets_for(16000) == (Target("wav16", 16000), Target("wav", 8000))
    assert targets_for(8000) == (Target("wav", 8000),)
    with pytest.raises(ValueError, match="rate"):
        targets_for(44100)


def test_wav_info(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"\0\0" * 8000)
    info = wav_info(path)
    assert (info.rate, info.channels, info.sample_width, info.seconds) == (16000, 1, 2, 0.5)
    (tmp_path / "b.wav").write_bytes(b"not a wav")
    with pytest.raises(PromptBuildError):
        wav_info(tmp_path / "b.wav")


def test_cli_list() -> None:
    result = CliRunner().invoke(prompts_group, ["list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == len(CATALOGUE)
    assert lines[0].split("\t") == ["welcome", CATALOGUE["welcome"].text]


def test_cli_build_refuses_out_and_sandbox(tmp_path: Path) -> None:
    result = CliRunner().invoke(prompts_group, ["build", "--out", str(tmp_path), "--sandbox"])
    assert result.exit_code == 2
    assert "not both" in result.output


def test_cli_build_needs_a_chroot(tmp_path: Path) -> None:
    result = CliRunner().invoke(prompts_group, ["build", "--root", str(tmp_path / "nochroot")])
    assert result.exit_code == 1
    assert "hotline sandbox up" in result.output


def test_sandbox_sounds_dir_is_language_neutral() -> None:
    assert sounds_dir(Path("/r"), SOUNDS_SUBDIR) == Path("/r/usr/share/asterisk/sounds/hotline")
