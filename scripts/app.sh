#!/usr/bin/env bash
# Run EM Lab.  Usage (from anywhere):
#     bash scripts/app.sh                 # this machine only: http://127.0.0.1:8501
#     bash scripts/app.sh --lan           # a class on the local network: http://<this machine's IP>:8501
#     bash scripts/app.sh [--lan] [streamlit run options...]   e.g.  --server.port 8600
#
# First use: creates .venv, installs requirements.txt (with uv when it can, else pip), then
# starts the server while compiling the numba kernels once (python -m gmm_core.warmup),
# printing each step: healthy after ~15 s.  Later uses reinstall only when requirements.txt
# changed (its sha256 is stamped inside .venv) and start in a few seconds.
#
# By default the server listens on 127.0.0.1 only: nobody else on the network can reach it.
# --lan listens on every interface (0.0.0.0) and prints the address students should open;
# only use it on a network you trust (the app has no login).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
LOG_TAG="app.sh"
# shellcheck source=scripts/_venv.sh
source "$ROOT/scripts/_venv.sh"

lan=0
args=()
for arg in "$@"; do
    case "$arg" in
        --lan) lan=1 ;;
        -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' \
                         "${BASH_SOURCE[0]}"; exit 0 ;;
        *) args+=("$arg") ;;
    esac
done

# This machine's address on the local network (the interface of the default route; no
# packet is sent), or nothing.
lan_ip() {
    "$PY" - <<'PY' 2>/dev/null || hostname -I 2>/dev/null | awk '{print $1}'
import socket
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    s.connect(("10.255.255.255", 1))
    print(s.getsockname()[0])
PY
}

lock_venv
ensure_venv requirements.txt "$RUNTIME_STAMP"
unlock_venv   # installs done: release the lock before the long-running server
# The numba kernels compile (once) beside the starting server, on the other core: the first
# page does not need them (data below 5,000 points use numpy), larger data find them cached.
warmup &
# Bytecode (only where PYTHONDONTWRITEBYTECODE is set) also compiles beside the server: the
# first start does not wait for it, later ones import faster.
compile_bytecode &

# Where to listen.  Naming the address also stops `streamlit run` (headless) from asking
# checkip.amazonaws.com for a public IP at every start: the app is meant to run offline.
extra=()
case " ${args[*]+"${args[*]}"} " in
    *" --server.address"*) ;;
    *)
        if [ "$lan" = 1 ]; then
            ip="$(lan_ip)"
            extra=(--server.address 0.0.0.0 --browser.serverAddress "${ip:-localhost}")
            port=8501
            for ((i = 0; i < ${#args[@]}; i++)); do
                case "${args[$i]}" in
                    --server.port=*) port="${args[$i]#*=}" ;;
                    --server.port) port="${args[$((i + 1))]:-$port}" ;;
                esac
            done
            log "--lan: listening on every interface; students open http://${ip:-<this machine>}:$port"
        else
            extra=(--server.address 127.0.0.1)
        fi
        ;;
esac

log "starting the server (streamlit run app.py); open the URL it prints below"
# ${a[@]+"${a[@]}"}: an empty array under `set -u` in bash 3.2 (macOS) too.
exec "$VENV/bin/streamlit" run app.py ${extra[@]+"${extra[@]}"} ${args[@]+"${args[@]}"}
