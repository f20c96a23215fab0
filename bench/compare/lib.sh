# shellcheck shell=bash
# Shared by the bench/compare scripts (sourced, not run). The caller sets
# HERE, ROOT, WORK (temp dir), KEEP (0/1), defines log(), and then calls
# `setup_traps`. Every process started with start_bg is stopped by PID on
# exit, error or Ctrl-C (last started, first stopped), and WORK is removed
# unless KEEP=1.

PIDS=()

running() {  # PID alive and not a zombie
    local s
    s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    s=${s##*) }
    [[ ${s%% *} != Z ]]
}

untrack() {
    local keep=() p
    for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
    PIDS=("${keep[@]+"${keep[@]}"}")
}

stop_pid() {  # SIGTERM, up to 15 s, then SIGKILL; only processes this script started
    local pid=$1 i
    if running "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 150; i++)); do running "$pid" || break; sleep 0.1; done
        if running "$pid"; then
            log "pid $pid ignored SIGTERM for 15 s: SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    wait "$pid" 2>/dev/null || true
    untrack "$pid"
}

start_bg() {  # start_bg LOGFILE CMD...; sets LAST_PID
    local logf=$1
    shift
    "$@" >"$logf" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
}

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    local i
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[i]}"; done
    if ((rc != 0)); then
        for f in "$WORK"/*.log; do
            [[ -s $f ]] || continue
            echo "---- last lines of $(basename "$f")" >&2
            tail -n 15 "$f" >&2
        done
    fi
    if ((KEEP)); then log "kept $WORK"; else rm -rf "$WORK"; fi
    exit "$rc"
}

setup_traps() {
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

install_packages() {  # install_packages PKG...: apt-get the missing ones, never starting their services
    local need=() p created_policy=0
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
    done
    ((${#need[@]})) || return 0
    log "installing ${need[*]}"
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        # Keep the packages' maintainer scripts from starting their services.
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 0755 /usr/sbin/policy-rc.d
        created_policy=1
    fi
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" \
        || { ((created_policy)) && rm -f /usr/sbin/policy-rc.d; echo "apt-get install ${need[*]} failed" >&2; exit 69; }
    ((created_policy)) && rm -f /usr/sbin/policy-rc.d
    return 0
}

wait_tcp() {  # wait_tcp PORT PID [SECONDS]: until 127.0.0.1:PORT accepts (fails early if PID died)
    local port=$1 pid=$2 i
    for ((i = 0; i < ${3:-30} * 10; i++)); do
        running "$pid" || { echo "process $pid exited while waiting for port $port" >&2; return 1; }
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "timed out waiting for port $port" >&2
    return 1
}
