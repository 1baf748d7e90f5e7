# Shared by scripts/app.sh and scripts/test.sh (sourced, not run): create/update .venv,
# warm up the numba kernels.  The caller sets ROOT and LOG_TAG and cds to ROOT.
#
# Installs use uv (https://docs.astral.sh/uv/, from PyPI, pinned below) when it can: one
# resolver pass and parallel downloads, 6-17 s for requirements.txt on a fresh clone here
# (cold cache) against 48-112 s for pip.  uv is taken from PATH, or fetched into .venv/.uv by pip
# (one 17 MB wheel).  Any failure there falls back to plain pip.  EMLAB_NO_UV=1 forces pip.

VENV="$ROOT/.venv"
PY="$VENV/bin/python"
RUNTIME_STAMP="$VENV/.emlab-requirements.sha256"
DEV_STAMP="$VENV/.emlab-requirements-dev.sha256"
WARMUP_STAMP="$VENV/.emlab-warmup.sha256"
BYTECODE_STAMP="$VENV/.emlab-bytecode"
UV_VERSION="0.13.8"

log() { printf '[%s %3ds] %s\n' "$LOG_TAG" "$SECONDS" "$*" >&2; }

sha256() { if command -v sha256sum >/dev/null 2>&1; then sha256sum; else shasum -a 256; fi; }

sha_of() { cat "$@" | sha256 | cut -d' ' -f1; }

# Serialise venv creation/installs between app.sh and test.sh running at the same time
# (the lock lives outside .venv, which may be wiped and rebuilt).  Released by unlock_venv.
lock_venv() {
    if command -v flock >/dev/null 2>&1; then
        exec 9>"${TMPDIR:-/tmp}/emlab-venv-$(printf '%s' "$ROOT" | sha256 | cut -c1-16).lock"
        flock 9
    fi
}

unlock_venv() { exec 9>&-; }

create_venv() {
    if [ -x "$PY" ] && "$PY" -c 'import sys' >/dev/null 2>&1; then
        return 0
    fi
    command -v python3 >/dev/null 2>&1 || { log "python3 not found: install Python >= 3.11"; exit 1; }
    python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || { log "Python >= 3.11 required, found $(python3 --version 2>&1)"; exit 1; }
    log "step 1/3: creating the virtualenv .venv ($(python3 --version 2>&1)) ..."
    # --clear: a half-made .venv from an interrupted run is rebuilt from scratch.  No pip yet
    # (ensurepip takes 5-10 s): uv installs without it; ensure_pip adds it for the fallback.
    python3 -m venv --clear --without-pip "$VENV" || {
        log "python3 -m venv failed (on Debian/Ubuntu: apt-get install python3-venv)"; exit 1; }
}

ensure_pip() {
    "$PY" -m pip --version >/dev/null 2>&1 && return 0
    log "adding pip to .venv (python -m ensurepip) ..."
    "$PY" -m ensurepip --upgrade --default-pip >/dev/null
}

# Print the path of a usable uv, fetching it if needed; fail quietly otherwise.  uv is
# looked for on PATH, then in .venv/.uv (an earlier bootstrap); it is fetched into .venv/.uv by
# the system python's pip when there is one (no pip needed in .venv), else by .venv's pip.
find_uv() {
    local boot="$VENV/.uv"
    [ "${EMLAB_NO_UV:-}" = 1 ] && return 1
    if command -v uv >/dev/null 2>&1; then
        command -v uv
        return 0
    fi
    if [ ! -x "$boot/bin/uv" ]; then
        log "fetching uv $UV_VERSION from PyPI (one wheel) ..."
        PIP_ROOT_USER_ACTION=ignore python3 -m pip install --disable-pip-version-check -q --target "$boot" "uv==$UV_VERSION" >&2 \
            || { ensure_pip && "$PY" -m pip install --disable-pip-version-check -q \
                    --target "$boot" "uv==$UV_VERSION" >&2; } \
            || return 1
    fi
    [ -x "$boot/bin/uv" ] && printf '%s\n' "$boot/bin/uv"
}

# install_requirements FILE: install FILE (pinned requirements) into .venv, showing progress.
install_requirements() {
    local req="$1" uv
    if uv="$(find_uv)"; then
        log "installing $req with uv ($("$uv" --version 2>/dev/null)) ..."
        # No --compile-bytecode: compiling every file takes ~17 s, while Python compiles the
        # modules the app imports on first use and keeps them (where it would not keep them,
        # PYTHONDONTWRITEBYTECODE, compile_bytecode does it beside the server or the tests).
        if "$uv" pip install --python "$PY" -r "$req"; then
            return 0
        fi
        log "uv could not install $req: falling back to pip"
    fi
    log "installing $req with pip (a few minutes; EMLAB_NO_UV=1 or no uv) ..."
    ensure_pip
    "$PY" -m pip install --disable-pip-version-check --progress-bar on -r "$req"
}

# ensure_venv FILE STAMP [FILE...]: .venv exists and has FILE installed; reinstalls only when
# the sha256 of the listed requirement files differs from the one stamped in STAMP.
ensure_venv() {
    local req="$1" stamp="$2"
    shift 2
    local want have="" t0=$SECONDS
    create_venv
    want="$(sha_of "$req" "$@")"
    [ -f "$stamp" ] && have="$(cat "$stamp")"
    [ "$want" = "$have" ] && return 0
    log "step 2/3: $req is new or changed ..."
    install_requirements "$req"
    printf '%s\n' "$want" >"$stamp"
    # requirements-dev.txt includes requirements.txt: the runtime set is installed too.
    [ "$stamp" = "$DEV_STAMP" ] && sha_of requirements.txt >"$RUNTIME_STAMP"
    rm -f "$WARMUP_STAMP" "$BYTECODE_STAMP"   # dependencies changed: both must run again
    log "install done in $((SECONDS - t0)) s"
}

# Python caches what it compiles (.pyc) as it imports, unless PYTHONDONTWRITEBYTECODE is set,
# as on this project's CI machines: then every Python process compiles streamlit, pandas,
# plotly, scipy, ... from source again, ~5 CPU-s each (the whole stack imports in ~7-9 CPU-s
# instead of ~2.5), and a test run starts some twenty (workers, app servers, benchmarks).
# With that variable set, compile the environment's packages once, on all cores (~30 CPU-s,
# ~17 s on 2 cores, 8,800 files), after each install; Python reads the files whatever the
# variable says. Without it Python caches on first use and this does nothing.
compile_bytecode() {
    [ -n "${PYTHONDONTWRITEBYTECODE:-}" ] || return 0
    [ -f "$BYTECODE_STAMP" ] && return 0
    local t0=$SECONDS site
    site="$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
    log "compiling the installed packages' bytecode once (PYTHONDONTWRITEBYTECODE is set) ..."
    if "$PY" -m compileall -q -j 0 "$site" >/dev/null; then
        : >"$BYTECODE_STAMP"
        log "bytecode compiled in $((SECONDS - t0)) s"
    else
        log "WARNING: compileall failed; every Python process compiles its imports again"
    fi
}

# Compile and cache the numba kernels once per version of gmm_core's source, so the first
# page load (or the browser tests' server) does not pay for JIT compilation.
warmup() {
    local want have=""
    if [ ! -f gmm_core/warmup.py ]; then
        log "gmm_core/warmup.py not found: skipping numba warm-up (kernels compile on first use)"
        return 0
    fi
    want="$(find gmm_core -name '*.py' -print0 | LC_ALL=C sort -z | xargs -0 cat | sha256 | cut -d' ' -f1)"
    [ -f "$WARMUP_STAMP" ] && have="$(cat "$WARMUP_STAMP")"
    [ "$want" = "$have" ] && return 0
    log "step 3/3: compiling the numba kernels once (python -m gmm_core.warmup) ..."
    local t0=$SECONDS
    if "$PY" -m gmm_core.warmup; then
        printf '%s\n' "$want" >"$WARMUP_STAMP"
        log "kernels compiled and cached in $((SECONDS - t0)) s"
    else
        log "WARNING: gmm_core.warmup failed (see above); kernels will compile on first use"
    fi
}
