"""The house rules of docs/architecture.md, checked on the source: which top-level package may import
which (no cycles), and which modules are pure protocol/flow logic (no I/O libraries).

Imports are read with ``ast`` from every module, lazy imports inside functions included.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("hotline", "bench", "sandbox", "ivr", "asr", "agent_bridge", "ticketing", "sip_configs")

# Who may import whom (docs/architecture.md, "The house"). Everything else is a violation.
ALLOWED: dict[str, set[str]] = {
    "hotline": {"bench", "sandbox", "ivr", "asr", "agent_bridge", "ticketing"},
    "bench": {"sandbox", "ivr", "asr", "agent_bridge", "ticketing"},
    "sandbox": set(),
    "ivr": {"ticketing"},
    "asr": {"ticketing"},
    "agent_bridge": {"ivr", "ticketing"},  # ivr: the reconnect backoff policy shared with ARI
    "ticketing": set(),
    "sip_configs": set(),
}

# Pure modules: protocol parsing and call flows, unit-tested without sockets (h11 style).
PURE = (
    "agent_bridge/ami/messages.py",
    "agent_bridge/ami/actions.py",
    "agent_bridge/ami/responses.py",
    "agent_bridge/ami/events.py",
    "ivr/flows",
    "ivr/media/rtp.py",
    "ivr/ari/events.py",
    "ivr/ari/resources.py",
    "asr/live/transcript.py",
    "sandbox/sipp/scenario.py",
    "ticketing/tickets/lifecycle.py",
    "ticketing/calendar/workdays.py",
    "ticketing/repeats/similarity.py",
    "ticketing/outbound/jobs.py",
    "ticketing/outbound/windows.py",
    "ticketing/surveys/verdict.py",
    "agent_bridge/dialer/pacing.py",
)
# Documents users of the product do not have (spelled apart so that this file does not cite them).
CITES = ("DESIGN " + "\u00a7", "../" + "shared")
IO_MODULES = {"asyncio", "socket", "subprocess", "httpx", "websockets", "sqlalchemy", "threading", "vosk"}


def modules(package: str) -> Iterator[Path]:
    yield from sorted((ROOT / package).rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Absolute module names ``path`` imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = path.relative_to(ROOT).with_suffix("").parts[: -node.level]
                names.add(".".join([*parts, node.module] if node.module else parts))
            elif node.module:
                names.add(node.module)
    return names


def package_graph() -> dict[str, dict[str, list[str]]]:
    """top-level package → imported top-level package → the files that do it."""
    graph: dict[str, dict[str, list[str]]] = {p: {} for p in PACKAGES}
    for package in PACKAGES:
        for path in modules(package):
            for name in imported(path):
                top = name.split(".")[0]
                if top in PACKAGES and top != package:
                    graph[package].setdefault(top, []).append(str(path.relative_to(ROOT)))
    return graph


def test_the_package_graph_has_no_cycle() -> None:
    graph = package_graph()
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                pytest.fail(f"import cycle: {' → '.join([*trail, node, nxt])} (via {graph[node][nxt][:3]})")
            if nxt not in state:
                visit(nxt, [*trail, node])
        state[node] = 2

    for package in PACKAGES:
        if package not in state:
            visit(package, [])


@pytest.mark.parametrize("package", PACKAGES)
def test_a_package_imports_only_what_the_architecture_allows(package: str) -> None:
    wrong = {top: files for top, files in package_graph()[package].items() if top not in ALLOWED[package]}
    assert not wrong, f"{package} must not import {sorted(wrong)}: {wrong}"


def pure_files() -> Iterator[Path]:
    for entry in PURE:
        path = ROOT / entry
        yield from (sorted(path.rglob("*.py")) if path.is_dir() else [path])


@pytest.mark.parametrize("path", list(pure_files()), ids=lambda p: str(p.relative_to(ROOT)))
def test_protocol_and_flow_modules_do_no_io(path: Path) -> None:
    used = {name.split(".")[0] for name in imported(path)} & IO_MODULES
    assert not used, f"{path.relative_to(ROOT)} is pure logic but imports {sorted(used)}"


def test_no_source_cites_a_document_outside_the_repository() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for package in (*PACKAGES, "tests", "scripts")
        for path in (ROOT / package).rglob("*")
        if path.suffix in (".py", ".md", ".tmpl", ".sh", ".toml")
        and any(cite in path.read_text(encoding="utf-8", errors="replace") for cite in CITES)
    ]
    assert not offenders, offenders
