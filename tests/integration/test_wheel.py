"""The distribution as a user installs it: a wheel built from this checkout, installed into a fresh
virtualenv, run from a directory outside the checkout. Every benchmark entry point answers ``--help`` and
imports its benchmark, and the Asterisk templates travel with the package (``hotline sandbox render``).

The fresh virtualenv takes the project's dependencies from the test environment through a ``.pth`` line (no
registry needed); that line adds a directory, not its ``.pth`` files, so the checkout's editable install is
not active there: only the wheel's own copy of the packages is importable.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = ("tickets", "ivr", "asr", "stats", "kb", "pop", "dialer")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``bin`` directory of a fresh virtualenv holding the wheel of this checkout."""
    base = tmp_path_factory.mktemp("wheel")
    dist = base / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(ROOT),
        ],
        check=True,
        cwd=base,
        timeout=300,
    )
    [wheel] = dist.glob("hotline12345-*.whl")
    env_dir = base / "venv"
    venv.create(env_dir, with_pip=False)
    purelib = Path(sysconfig.get_path("purelib", vars={"base": str(env_dir), "platbase": str(env_dir)}))
    purelib.mkdir(parents=True, exist_ok=True)
    (purelib / "test-deps.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(env_dir / "bin" / "python"), "install",
         "--no-deps", "-q", str(wheel)],
        check=True,
        cwd=base,
        timeout=300,
    )  # fmt: skip
    return env_dir / "bin"


def run(bin_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "PYTHON"))}
    return subprocess.run(
        [str(bin_dir / args[0]), *args[1:]], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )


def test_the_packages_come_from_the_wheel_not_the_checkout(installed: Path, tmp_path: Path) -> None:
    code = (
        "import bench, sandbox, sip_configs, ticketing, hotline; print(bench.__file__, sip_configs.__file__)"
    )
    done = run(installed, "python", "-c", code, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert str(ROOT) not in done.stdout
    assert "site-packages" in done.stdout


def test_every_benchmark_entry_point_answers_help(installed: Path, tmp_path: Path) -> None:
    group = run(installed, "hotline", "bench", "--help", cwd=tmp_path)
    assert group.returncode == 0, group.stderr
    for name in BENCHMARKS:
        assert name in group.stdout
        done = run(installed, "hotline", "bench", name, "--help", cwd=tmp_path)
        assert done.returncode == 0, (name, done.stderr)
        assert "Usage: hotline bench" in done.stdout


def test_every_benchmark_module_imports_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    modules = [f"bench.{name}_bench" for name in BENCHMARKS]
    code = "import importlib, sys; [importlib.import_module(m) for m in sys.argv[1:]]"
    done = run(installed, "python", "-c", code, *modules, cwd=tmp_path)
    assert done.returncode == 0, done.stderr


def test_the_asterisk_templates_ship_with_the_package(installed: Path, tmp_path: Path) -> None:
    out = tmp_path / "conf"
    done = run(installed, "hotline", "sandbox", "render", "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (out / "extensions.conf").is_file()
    assert "Stasis(" in (out / "extensions.conf").read_text(encoding="utf-8")
