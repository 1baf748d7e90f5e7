#!/usr/bin/env bash
# Run the whole EM Lab test suite.  Usage (from anywhere):
#     bash scripts/test.sh [pytest args...]      e.g.  bash scripts/test.sh -m "not browser" -x
#
# 1. creates/updates .venv with requirements-dev.txt (reinstalls only when
#    requirements-dev.txt or requirements.txt changed: a sha256 is stamped in .venv);
# 2. makes sure Debian's chromium (/usr/bin/chromium) is there for the browser tests
#    (installs it with apt-get when running as root; otherwise says loudly they will skip);
# 3. runs `ruff check .` and `python -m pytest "$@"`.
# Exit code: pytest's; if pytest passed but ruff found problems, ruff's (non-zero).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="$ROOT/.venv"
PY="$VENV/bin/python"
CHROMIUM=/usr/bin/chromium
RUNTIME_STAMP="$VENV/.emlab-requirements.sha256"
DEV_STAMP="$VENV/.emlab-requirements-dev.sha256"

log() { printf '[test.sh] %s\n' "$*" >&2; }

loud() {
    local bar='!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'
    printf '\n%s\n' "$bar" >&2
    local line
    for line in "$@"; do printf '!!! %s\n' "$line" >&2; done
    printf '%s\n\n' "$bar" >&2
}

sha_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

# Serialise venv creation/installs with scripts/app.sh running at the same time
# (the lock lives outside .venv, which may be wiped and rebuilt).
if command -v flock >/dev/null 2>&1; then
    exec 9>"${TMPDIR:-/tmp}/emlab-venv-$(printf '%s' "$ROOT" | sha256sum | cut -c1-16).lock"
    flock 9
fi

ensure_venv() {
    if [ ! -x "$PY" ] || ! "$PY" -c 'import sys' >/dev/null 2>&1; then
        command -v python3 >/dev/null 2>&1 || { log "python3 not found: install Python >= 3.11"; exit 1; }
        python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
            || { log "Python >= 3.11 required, found $(python3 --version 2>&1)"; exit 1; }
        log "creating virtualenv in .venv ($(python3 --version 2>&1))"
        # --clear: a half-made .venv from an interrupted run is rebuilt from scratch.
        python3 -m venv --clear "$VENV" || {
            log "python3 -m venv failed (on Debian/Ubuntu: apt-get install python3-venv)"; exit 1; }
    fi
    local want have=""
    want="$(sha_of requirements-dev.txt requirements.txt)"
    [ -f "$DEV_STAMP" ] && have="$(cat "$DEV_STAMP")"
    if [ "$want" != "$have" ]; then
        log "installing requirements-dev.txt into .venv (first run or requirements changed; takes a few minutes) ..."
        local t0=$SECONDS
        "$PY" -m pip install --disable-pip-version-check -q -r requirements-dev.txt
        printf '%s\n' "$want" >"$DEV_STAMP"
        # requirements-dev.txt includes requirements.txt: the runtime set is installed too.
        sha_of requirements.txt >"$RUNTIME_STAMP"
        rm -f "$VENV/.emlab-warmup.sha256"
        log "install done in $((SECONDS - t0)) s"
    fi
}

# Same warm-up as scripts/app.sh: compile/cache the numba kernels once per version of
# gmm_core's source, so the browser tests' app server does not pay for JIT compilation.
warmup() {
    local stamp="$VENV/.emlab-warmup.sha256" want have=""
    if [ ! -f gmm_core/warmup.py ]; then
        log "gmm_core/warmup.py not found: skipping numba warm-up (kernels compile on first use)"
        return 0
    fi
    want="$(find gmm_core -name '*.py' -print0 | LC_ALL=C sort -z | xargs -0 cat | sha256sum | cut -d' ' -f1)"
    [ -f "$stamp" ] && have="$(cat "$stamp")"
    [ "$want" = "$have" ] && return 0
    log "warming up numba kernels (python -m gmm_core.warmup) ..."
    if "$PY" -m gmm_core.warmup; then
        printf '%s\n' "$want" >"$stamp"
    else
        log "WARNING: gmm_core.warmup failed (see above); tests will compile on first use"
    fi
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

ensure_venv
warmup
exec 9>&-   # installs done: release the lock
ensure_chromium
mkdir -p artifacts

log "ruff check ."
ruff_rc=0
"$PY" -m ruff check . || ruff_rc=$?
[ "$ruff_rc" = 0 ] || loud "ruff check . FAILED (exit $ruff_rc): the run will fail even if pytest passes."

log "python -m pytest $*"
pytest_rc=0
"$PY" -m pytest "$@" || pytest_rc=$?

if [ "$pytest_rc" != 0 ]; then
    exit "$pytest_rc"
fi
if [ "$ruff_rc" != 0 ]; then
    log "pytest passed but ruff check failed (exit $ruff_rc)"
    exit "$ruff_rc"
fi
exit 0
