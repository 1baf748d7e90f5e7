#!/usr/bin/env bash
# Run the whole EM Lab test suite.  Usage (from anywhere):
#     bash scripts/test.sh [pytest args...]
#     bash scripts/test.sh -m "not slow and not browser"    # the ~1-minute inner loop
#
# 1. creates/updates .venv with requirements-dev.txt (uv when it can, else pip; reinstalls
#    only when requirements-dev.txt or requirements.txt changed: a sha256 is stamped in .venv);
# 2. makes sure Debian's chromium (/usr/bin/chromium) is there for the browser tests
#    (installs it with apt-get when running as root; otherwise says loudly they will skip);
# 3. runs the static checks: `ruff check .`, `ruff format --check .` (see FORMAT_CHECK) and
#    `lint-imports` (the layer contracts in pyproject.toml);
# 4. runs `python -m pytest "$@"`, on all cores with pytest-xdist (-n CORES+1 --dist worksteal;
#    one more worker than cores: a browser test's worker spends part of its time waiting for
#    chromium and the app server, which serves every worker's browser tests) unless the
#    arguments choose (-n 0 runs in one process; EMLAB_TEST_WORKERS=N sets the count).
# Exit code: pytest's; if pytest passed but a static check failed, non-zero too.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
LOG_TAG="test.sh"
# shellcheck source=scripts/_venv.sh
source "$ROOT/scripts/_venv.sh"

CHROMIUM=/usr/bin/chromium
# `ruff format --check .`: "fail" makes unformatted files fail the run, "warn" only reports
# them.  EMLAB_FORMAT_CHECK overrides.
FORMAT_CHECK="${EMLAB_FORMAT_CHECK:-fail}"

loud() {
    local bar='!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'
    printf '\n%s\n' "$bar" >&2
    local line
    for line in "$@"; do printf '!!! %s\n' "$line" >&2; done
    printf '%s\n\n' "$bar" >&2
}

ensure_chromium() {
    [ -x "$CHROMIUM" ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "$CHROMIUM missing: installing Debian's chromium with apt-get ..."
        if DEBIAN_FRONTEND=noninteractive apt-get update -qq \
            && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium </dev/null; then
            [ -x "$CHROMIUM" ] && { log "installed: $("$CHROMIUM" --version 2>/dev/null)"; return 0; }
        fi
        loud "apt-get could not install chromium: BROWSER TESTS (tests/browser) WILL SKIP" \
             "(or fail, when EMLAB_REQUIRE_BROWSER=1)."
        return 0
    fi
    loud "$CHROMIUM NOT FOUND: BROWSER TESTS (tests/browser) WILL SKIP" \
         "(or fail, when EMLAB_REQUIRE_BROWSER=1)." \
         "Install it as root:  apt-get update && apt-get install -y chromium" \
         "(never 'playwright install': the tests use Debian's chromium)."
}

# pytest-xdist arguments, unless the caller chose the distribution or disabled the plugin.
xdist_args() {
    local arg
    for arg in "$@"; do
        case "$arg" in
            -n | -n* | --numprocesses* | no:xdist | -pno:xdist | --dist*) return 0 ;;
        esac
    done
    "$PY" -c 'import xdist' 2>/dev/null || return 0
    local cores
    cores="$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)"
    printf '%s\n' -n "${EMLAB_TEST_WORKERS:-$((cores + 1))}" --dist worksteal
}

lock_venv
ensure_venv requirements-dev.txt "$DEV_STAMP" requirements.txt
compile_bytecode
warmup
unlock_venv
ensure_chromium
mkdir -p artifacts

static_rc=0
log "ruff check ."
"$PY" -m ruff check . || { static_rc=$?; loud "ruff check . FAILED: the run will fail even if pytest passes."; }

log "ruff format --check . ($FORMAT_CHECK)"
if ! "$PY" -m ruff format --check . >artifacts/ruff-format.txt 2>&1; then
    if [ "$FORMAT_CHECK" = fail ]; then
        cat artifacts/ruff-format.txt >&2
        static_rc=1
        loud "ruff format --check . FAILED: run 'ruff format .' (the run will fail)."
    else
        log "WARNING: $(tail -n 1 artifacts/ruff-format.txt) (not enforced: EMLAB_FORMAT_CHECK=$FORMAT_CHECK;" \
            "list in artifacts/ruff-format.txt)"
    fi
fi

log "lint-imports (layer contracts in pyproject.toml)"
"$VENV/bin/lint-imports" --no-cache --no-logo || { static_rc=1; loud "lint-imports FAILED: a layer imports upward."; }

dist=()
while IFS= read -r arg; do dist+=("$arg"); done < <(xdist_args "$@")
log "python -m pytest ${dist[*]+"${dist[*]}"} $*"
t0=$SECONDS
pytest_rc=0
"$PY" -m pytest ${dist[@]+"${dist[@]}"} "$@" || pytest_rc=$?
log "pytest finished in $((SECONDS - t0)) s (exit $pytest_rc)"

if [ "$pytest_rc" != 0 ]; then
    exit "$pytest_rc"
fi
if [ "$static_rc" != 0 ]; then
    log "pytest passed but a static check failed"
    exit "$static_rc"
fi
exit 0
