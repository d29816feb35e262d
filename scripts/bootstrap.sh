#!/usr/bin/env bash
# Install everything `make demo` / `make test` need, idempotently and cached:
#   1. Debian packages (only when something is missing: one `apt-get update`, one install).
#   2. The virtualenv .venv with `pip install -e '.[dev]'`, redone only when pyproject.toml changes
#      (stamp file .venv/.stamp-<sha256 of pyproject.toml>).
# With --bench it also installs what only the benchmarks use (`make bench`).
set -euo pipefail

BENCH=0
for arg in "$@"; do
    case "$arg" in
        --bench) BENCH=1 ;;
        *) printf '[bootstrap] ERROR: unknown argument %s\n' "$arg" >&2; exit 2 ;;
    esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

export PIP_DISABLE_PIP_VERSION_CHECK=1
export DEBIAN_FRONTEND=noninteractive

log() { printf '[bootstrap] %s\n' "$*"; }
die() {
    printf '[bootstrap] ERROR: %s\n' "$*" >&2
    exit 1
}

as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@" || die "need root to run: $* (run this script as root)"
    else
        die "need root to run: $* (run this script as root)"
    fi
}

pg_initdb_present() { compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; }

# ---------------------------------------------------------------- 1. Debian packages
missing=()
want_pkg() {
    local pkg="$1"
    if ! dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed'; then
        missing+=("$pkg")
    fi
}

PY_BIN="$(command -v python3 || true)"
if [[ -z "$PY_BIN" ]]; then
    missing+=(python3 python3-venv python3-dev)
elif [[ "$(readlink -f "$PY_BIN")" == /usr/bin/python3* ]]; then
    # Debian's own interpreter: venv/ensurepip live in python3-venv.
    want_pkg python3-venv
    want_pkg python3-dev
else
    # Some other interpreter (e.g. pyenv): only demand that it can build a venv with pip.
    if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
        die "python3 ($PY_BIN) cannot create virtualenvs (venv/ensurepip missing)"
    fi
fi
for pkg in postgresql make sqlite3 sip-tester debootstrap espeak-ng sox chromium fonts-noto-cjk poppler-utils; do
    want_pkg "$pkg"
done
if ((BENCH)); then
    want_pkg tcpdump # the IVR benchmark times calls from a loopback capture
fi
# The metapackage alone is not enough: we need the server binaries (initdb, pg_ctl, postgres).
if ! pg_initdb_present && [[ ! " ${missing[*]-} " == *" postgresql "* ]]; then
    missing+=(postgresql)
fi

if ((${#missing[@]})); then
    log "installing Debian packages: ${missing[*]}"
    as_root apt-get update -q
    as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
else
    log "Debian packages: all present (cached)"
fi
pg_initdb_present || die "PostgreSQL server binaries missing: no /usr/lib/postgresql/*/bin/initdb (install 'postgresql')"

# ---------------------------------------------------------------- 2. virtualenv
VENV="$ROOT/.venv"
HASH="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
STAMP="$VENV/.stamp-$HASH"

if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    log "creating virtualenv at .venv"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
fi

if [[ -f "$STAMP" ]]; then
    log "virtualenv: up to date with pyproject.toml (cached)"
else
    log "installing project into .venv (pip install -e '.[dev]')"
    "$VENV/bin/python" -m pip install -q -e "$ROOT[dev]"
    rm -f "$VENV"/.stamp-*
    touch "$STAMP"
    log "virtualenv: ready"
fi

log "done"
