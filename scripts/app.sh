#!/usr/bin/env bash
# Run EM Lab.  Usage (from anywhere):  bash scripts/app.sh [streamlit run options...]
#
# First use: creates .venv (python3 -m venv), installs requirements.txt and warms
# up the numba kernel cache (python -m gmm_core.warmup).  Later uses reinstall only
# when requirements.txt changed (its sha256 is stamped inside .venv).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="$ROOT/.venv"
PY="$VENV/bin/python"
REQ="requirements.txt"
STAMP="$VENV/.emlab-requirements.sha256"

log() { printf '[app.sh] %s\n' "$*" >&2; }

sha_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

# Serialise venv creation/installs with scripts/test.sh running at the same time
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
    want="$(sha_of "$REQ")"
    [ -f "$STAMP" ] && have="$(cat "$STAMP")"
    if [ "$want" != "$have" ]; then
        log "installing $REQ into .venv (first run or $REQ changed; takes a few minutes) ..."
        local t0=$SECONDS
        "$PY" -m pip install --disable-pip-version-check -q -r "$REQ"
        printf '%s\n' "$want" >"$STAMP"
        log "install done in $((SECONDS - t0)) s"
        # Dependencies changed: the warm-up must run again.
        rm -f "$VENV/.emlab-warmup.sha256"
    fi
}

# Compile and cache the numba kernel once per version of gmm_core's source,
# so the first page load does not pay for JIT compilation.
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
        log "WARNING: gmm_core.warmup failed (see above); the app will compile on first use"
    fi
}

ensure_venv
warmup

# With headless = true and no address given, `streamlit run` asks checkip.amazonaws.com
# for this machine's public IP at every start (to print an "External URL"): the app is
# meant to run offline, so name the address unless the caller chose one.
extra=()
case " $* " in
    *" --server.address"* | *" --browser.serverAddress"*) ;;
    *) extra=(--browser.serverAddress localhost) ;;
esac

# Release the install lock before handing over to the long-running server.
exec 9>&-
exec "$VENV/bin/streamlit" run app.py "${extra[@]}" "$@"
