"""Provision the cached Debian sid chroot that holds a stock Asterisk 22.

The chroot is built once with ``debootstrap`` into a temporary directory next to the final root and
renamed into place only when complete, so a half-built tree is never used. The Debian mirror is read at
run time from this machine's own apt configuration; no registry host is written anywhere.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

DEFAULT_ROOT = Path("/var/cache/hotline12345/asterisk-sid")
ROOT_ENV = "HOTLINE_SANDBOX_ROOT"
MIRROR_ENV = "HOTLINE_SANDBOX_MIRROR"
SUITE = "sid"
PACKAGES = ("asterisk", "asterisk-modules", "asterisk-core-sounds-en")
APT_SOURCES_DIR = Path("/etc/apt/sources.list.d")
APT_SOURCES_LIST = Path("/etc/apt/sources.list")

Log = Callable[[str], None]


class SandboxError(RuntimeError):
    """The Asterisk sandbox cannot be provisioned, started, stopped or queried (message names the fix)."""


def _quiet(_: str) -> None:
    return None


def default_root() -> Path:
    """The chroot root: ``$HOTLINE_SANDBOX_ROOT`` or the cached default."""
    value = os.environ.get(ROOT_ENV)
    return Path(value) if value else DEFAULT_ROOT


def is_provisioned(root: Path) -> bool:
    """True when ``root`` holds a completed chroot with the Asterisk binary."""
    return (root / "usr/sbin/asterisk").is_file()


# --------------------------------------------------------------------------------------------- mirror
def _deb822_uris(text: str) -> list[str]:
    uris: list[str] = []
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[:1].isspace():
                continue
            key, value = line.split(":", 1)
            fields[key.strip().lower()] = value.strip()
        if "deb" not in fields.get("types", "").split():
            continue
        if fields.get("enabled", "yes").lower() == "no":
            continue
        suites = fields.get("suites", "").split()
        if any("security" in suite for suite in suites):
            continue
        uris.extend(fields.get("uris", "").split())
    return uris


def _one_line_uris(text: str) -> list[str]:
    uris: list[str] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line.startswith("deb "):
            continue
        line = re.sub(r"\[[^\]]*\]", " ", line)  # drop "[signed-by=… arch=…]" options
        parts = line.split()
        if len(parts) >= 3 and "security" not in parts[2]:
            uris.append(parts[1])
    return uris


def find_mirror(sources_dir: Path = APT_SOURCES_DIR, sources_list: Path = APT_SOURCES_LIST) -> str:
    """The main Debian archive URI from the machine's apt configuration (never the -security one).

    ``$HOTLINE_SANDBOX_MIRROR`` overrides it.
    """
    override = os.environ.get(MIRROR_ENV)
    if override:
        return override
    candidates: list[str] = []
    if sources_dir.is_dir():
        for path in sorted(sources_dir.glob("*.sources")):
            candidates += _deb822_uris(path.read_text(encoding="utf-8", errors="replace"))
        for path in sorted(sources_dir.glob("*.list")):
            candidates += _one_line_uris(path.read_text(encoding="utf-8", errors="replace"))
    if sources_list.is_file():
        candidates += _one_line_uris(sources_list.read_text(encoding="utf-8", errors="replace"))
    candidates = [uri for uri in candidates if "security" not in uri]
    if not candidates:
        raise SandboxError(
            "no Debian mirror found in the apt configuration "
            f"({sources_dir}/*.sources, {sources_list}); set {MIRROR_ENV}"
        )
    for uri in candidates:  # prefer the archive itself over e.g. backports or third-party repos
        if uri.rstrip("/").endswith("/debian"):
            return uri
    return candidates[0]


# --------------------------------------------------------------------------------------------- mounts
def mounted_paths() -> list[Path]:
    """Mount points of this machine, from ``/proc/self/mountinfo``."""
    points: list[Path] = []
    for line in Path("/proc/self/mountinfo").read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if len(fields) > 4:
            points.append(Path(fields[4].replace("\\040", " ")))
    return points


def is_mounted(path: Path) -> bool:
    """True when ``path`` is a mount point."""
    return path.resolve() in mounted_paths()


def unmount(path: Path) -> None:
    """Unmount ``path``; lazily when it is busy. No-op when it is not mounted."""
    if not is_mounted(path):
        return
    done = subprocess.run(["umount", str(path)], capture_output=True, text=True, check=False)
    if done.returncode != 0 and is_mounted(path):
        subprocess.run(["umount", "-l", str(path)], capture_output=True, text=True, check=False)
    if is_mounted(path):
        raise SandboxError(f"cannot unmount {path}")


def unmount_all_under(path: Path) -> None:
    """Unmount every mount point inside ``path`` (deepest first)."""
    base = path.resolve()
    inside = [p for p in mounted_paths() if p == base or base in p.parents]
    for point in sorted(inside, key=lambda p: len(p.parts), reverse=True):
        unmount(point)


def safe_rmtree(path: Path) -> None:
    """Remove a chroot tree, never descending into a mount (e.g. a bind-mounted ``/dev``)."""
    if not path.exists():
        return
    unmount_all_under(path)
    base = path.resolve()
    if any(p == base or base in p.parents for p in mounted_paths()):
        raise SandboxError(f"refusing to delete {path}: something is still mounted inside it")
    shutil.rmtree(path)


# --------------------------------------------------------------------------------------------- build
@contextmanager
def _lock(root: Path) -> Iterator[None]:
    root.parent.mkdir(parents=True, exist_ok=True)
    lock_path = root.parent / f".{root.name}.lock"
    with lock_path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _ensure_debootstrap(log: Log) -> str:
    found = shutil.which("debootstrap")
    if found:
        return found
    log("installing debootstrap with apt-get …")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "debootstrap"]):
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0:
            raise SandboxError(f"{' '.join(cmd)} failed: {done.stderr.strip()[-2000:]}")
    found = shutil.which("debootstrap")
    if not found:
        raise SandboxError("debootstrap is still missing after apt-get install")
    return found


def provision(root: Path, log: Log = _quiet, mirror: str | None = None) -> float:
    """Build the chroot at ``root`` unless it is already there. Returns the seconds spent building."""
    if is_provisioned(root):
        return 0.0
    with _lock(root):
        if is_provisioned(root):  # another process built it while we waited
            return 0.0
        started = time.monotonic()
        debootstrap = _ensure_debootstrap(log)
        uri = mirror or find_mirror()
        build = root.parent / f".{root.name}.build"
        safe_rmtree(build)  # leftovers of an interrupted build
        log(f"debootstrap {SUITE} into {build} (a few minutes on a cold cache) …")
        cmd = [
            debootstrap,
            "--variant=minbase",
            f"--include={','.join(PACKAGES)}",
            SUITE,
            str(build),
            uri,
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0 or not is_provisioned(build):
            tail = (done.stdout + done.stderr).strip()[-3000:]
            unmount_all_under(build)
            raise SandboxError(f"debootstrap failed (rc={done.returncode}); build left in {build}:\n{tail}")
        unmount_all_under(build)
        if root.exists():  # an unusable tree (no asterisk binary): move it aside, then drop it
            stale = root.parent / f".{root.name}.stale-{int(time.time())}"
            root.rename(stale)
            safe_rmtree(stale)
        build.rename(root)
        elapsed = time.monotonic() - started
        log(f"chroot ready at {root} after {elapsed:.0f} s")
        return elapsed
