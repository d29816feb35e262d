"""Parsing Vosk's JSON into typed results, grammar checks, and the model cache (with a fake loader)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from asr.engine import ModelCache
from asr.errors import ModelCorrupt, RecognizerError
from asr.results import Final, Transcript, Word, check_grammar, join_segments, parse_final, parse_partial

VOSK_FINAL = (
    '{"result": [{"conf": 1.0, "end": 0.39, "start": 0.0, "word": "민원"},'
    ' {"conf": 0.5, "end": 0.93, "start": 0.45, "word": "접수"}], "text": "민원 접수"}'
)


def test_parse_final_with_words() -> None:
    final = parse_final(VOSK_FINAL)
    assert final.text == "민원 접수"
    assert final.words == (Word("민원", 0.0, 0.39, 1.0), Word("접수", 0.45, 0.93, 0.5))


def test_parse_empty_final_and_partial() -> None:
    assert parse_final('{"text" : ""}') == Final("", ())
    assert parse_partial('{"partial" : "민원 "}').text == "민원"
    with pytest.raises(RecognizerError):
        parse_final("not json")
    with pytest.raises(RecognizerError):
        parse_partial("[1]")


def test_join_segments_and_transcript() -> None:
    a, b = parse_final(VOSK_FINAL), Final("", ())
    text, words = join_segments([a, b, Final("아니오", (Word("아니오", 1.2, 1.5, 1.0),))])
    assert text == "민원 접수 아니오"
    assert [w.text for w in words] == ["민원", "접수", "아니오"]
    transcript = Transcript(text, words, (a,), duration=2.0, elapsed=0.5, model="m")
    assert transcript.rtf == 0.25
    data = transcript.to_dict()
    assert data["rtf"] == 0.25
    assert data["words"][0] == {
        "text": "민원",
        "start": 0.0,
        "end": 0.39,
        "conf": 1.0,
    }
    assert Transcript("", (), (), duration=0.0, elapsed=0.1, model="m").rtf == 0.0


def test_check_grammar() -> None:
    vocab = {"민원", "접수", "아니오"}
    assert check_grammar([" 민원  접수 ", "아니오", "", "[unk]"], vocab.__contains__) == [
        "민원 접수",
        "아니오",
    ]
    assert check_grammar(["아니오", "[unk]"], (vocab | {"[unk]"}).__contains__) == ["아니오", "[unk]"]
    with pytest.raises(RecognizerError, match="상담") as info:
        check_grammar(["민원", "전화 상담"], vocab.__contains__)
    assert info.value.details["words"] == ["전화", "상담"]
    with pytest.raises(RecognizerError, match="empty"):
        check_grammar(["", "[unk]"], vocab.__contains__)


def _fake_model_dir(root: Path, rate: int | None = None) -> Path:
    for rel in ("am/final.mdl", "graph/HCLG.fst"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"x")
    (root / "conf").mkdir()
    (root / "conf" / "mfcc.conf").write_text(f"--sample-frequency={rate}\n" if rate else "", encoding="utf-8")
    return root


def test_model_cache_loads_once_under_concurrency(tmp_path: Path) -> None:
    _fake_model_dir(tmp_path / "m", rate=8000)
    calls: list[str] = []

    def loader(path: str) -> object:
        calls.append(path)
        time.sleep(0.05)
        return object()

    cache = ModelCache(tmp_path, log_level=None, loader=loader)
    got: list[object] = []
    threads = [threading.Thread(target=lambda: got.append(cache.get("m"))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert len({id(g) for g in got}) == 1
    loaded = cache.get(str(tmp_path / "m"))  # same directory by path: same model
    assert loaded is got[0]
    assert loaded.sample_rate == 8000
    assert not loaded.grammar_capable
    assert cache.loaded() == [loaded]


def test_model_cache_wraps_load_failures(tmp_path: Path) -> None:
    _fake_model_dir(tmp_path / "m")

    def loader(path: str) -> object:
        raise Exception("Failed to create a model")

    with pytest.raises(ModelCorrupt, match="hotline asr models verify m"):
        ModelCache(tmp_path, log_level=None, loader=loader).get("m")
