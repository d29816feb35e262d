#!/usr/bin/env bash
# The README's test command (`make test`) and CI's (`.ci/run`): bootstrap, lint, type-check, all test tiers.
# Stops at the first failing stage. Extra arguments go to pytest.
# Services: PostgreSQL is started and stopped by the test session itself (tests/conftest.py).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

stage() { printf '\n==================== %s ====================\n' "$*"; }

stage "bootstrap"
bash scripts/bootstrap.sh

stage "ruff check"
.venv/bin/ruff check .

stage "ruff format --check"
.venv/bin/ruff format --check .

stage "mypy"
.venv/bin/mypy

stage "pytest (all tiers under tests/)"
rc=0
.venv/bin/pytest "$@" || rc=$?
if [[ $rc -eq 5 ]]; then
    echo "[test] ERROR: pytest collected no tests" >&2
    exit 1
elif [[ $rc -ne 0 ]]; then
    echo "[test] FAILED: pytest exit code $rc" >&2
    exit "$rc"
fi

stage "all stages passed"
