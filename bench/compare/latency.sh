#!/usr/bin/env bash
# Detection-to-page latency: tocsin against Prometheus + blackbox_exporter +
# Alertmanager, in the same run (see docs/benchmarks.md, "Detection-to-page
# latency").
#
#   bash bench/compare/latency.sh [--write-docs] [--only equal|peer-defaults] [--seed N] [--rounds N]
#                                 [--results FILE] [--keep]
#
#   --write-docs   (re)write the "Detection-to-page latency" section of docs/benchmarks.md
#                  and docs/benchmarks-latency.png
#   --only S       run one scenario (not with --write-docs)
#   --seed N       round k's fault schedule uses seed N+k-1 (default 8; printed either way)
#   --rounds N     independent rounds per scenario, 20 faults each (default 4)
#   --results FILE also keep the JSON lines in FILE (FILE.faults.jsonl: one line per fault)
#   --keep         keep the temp dir (configs, logs, events) for inspection
#
# 20 loopback targets (one asyncio process) fail once each at seeded random
# moments (HTTP 500, refused, hang, bad TLS) and recover; tocsin (its own
# probes, mail to aiosmtpd) and the peer (Prometheus scraping blackbox_exporter,
# Alertmanager's webhook) watch them at the same time with the rule "down for
# 30 s". Scenarios: equal (10 s, group_wait 0) and peer-defaults (15 s,
# group_wait 30 s). Every scenario and round is its own stack, all side by
# side: about 4 minutes in all, whatever the number of rounds.
# Installs prometheus, prometheus-blackbox-exporter, prometheus-alertmanager,
# python3-aiosmtpd and gnuplot-nox with apt-get when missing (their services are
# neither enabled nor started) and builds tocsin in Release (build-release/).
# Every process it starts is stopped by PID, also on error or Ctrl-C.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WRITE_DOCS=0
KEEP=0
RESULTS_COPY=""
ONLY=""
SEED=8
ROUNDS=4
while (($#)); do
    case "$1" in
        --write-docs) WRITE_DOCS=1 ;;
        --keep) KEEP=1 ;;
        --only) ONLY=$2; shift ;;
        --seed) SEED=$2; shift ;;
        --rounds) ROUNDS=$2; shift ;;
        --results) RESULTS_COPY=$(realpath -m "$2"); shift ;;
        -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 64 ;;
    esac
    shift
done
if [[ -n $ONLY && $ONLY != equal && $ONLY != peer-defaults ]]; then
    echo "--only takes equal or peer-defaults" >&2; exit 64
fi
if [[ -n $ONLY ]] && ((WRITE_DOCS)); then echo "--write-docs needs every scenario; drop --only" >&2; exit 64; fi
[[ $ROUNDS =~ ^[1-9][0-9]?$ && $SEED =~ ^[0-9]+$ ]] || { echo "--rounds takes 1-99, --seed a number" >&2; exit 64; }

TARGETS=20
TIMEOUT=2      # seconds: probe timeout on both sides (a hang is seen this long after the probe starts)
WINDOW=60      # seconds: faults start at uniform moments within this
HOLD=30        # the rule's `for`
SCENARIOS=(equal peer-defaults)
[[ -n $ONLY ]] && SCENARIOS=("$ONLY")
export PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH="$HERE${PYTHONPATH:+:$PYTHONPATH}"  # aiosmtpd -c latency.SmtpRecorder
PY=(python3 -B)
LAT=("${PY[@]}" "$HERE/latency.py")
START_TIME=$(date +%s)

log() { echo "[latency.sh $(date +%H:%M:%S)] $*" >&2; }

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$HERE/lib.sh"

install_packages prometheus prometheus-blackbox-exporter prometheus-alertmanager python3-aiosmtpd gnuplot-nox
PROMETHEUS=/usr/bin/prometheus
BLACKBOX=/usr/bin/prometheus-blackbox-exporter
ALERTMANAGER=/usr/bin/prometheus-alertmanager
for b in "$PROMETHEUS" "$BLACKBOX" "$ALERTMANAGER" /usr/bin/gnuplot /usr/bin/openssl; do
    [[ -x $b ]] || { echo "missing $b" >&2; exit 69; }
done
# Debian's python3-aiosmtpd is for Debian's python3, which need not be the first on PATH.
SMTPD_PY=python3
python3 -c 'import aiosmtpd' 2>/dev/null || SMTPD_PY=/usr/bin/python3
"$SMTPD_PY" -c 'import aiosmtpd' || { echo "no python3 with aiosmtpd" >&2; exit 69; }

log "building tocsin (Release)"
(cd "$ROOT" && nice -n 10 cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DTOCSIN_BUILD_TESTS=OFF \
    >/dev/null && nice -n 10 cmake --build build-release -j2 --target tocsin >/dev/null)
TOCSIN=$ROOT/build-release/tocsin
BENCH_START=$(date +%s)  # the figure the docs quote: the run without the build

WORK=$(mktemp -d /tmp/tocsin-latency.XXXXXX)
RESULTS=$WORK/results.jsonl
RAW=$WORK/faults.jsonl
setup_traps

"${LAT[@]}" certs "$WORK/certs"

# Every scenario and round runs side by side in its own stack (fault server,
# sinks, tocsin, blackbox_exporter, Alertmanager, Prometheus): nothing is
# shared but the cores, and none of the processes is busy (latency, not CPU,
# is measured). Round k uses seed SEED+k-1 in every scenario: the same targets
# break the same way at the same offsets in both scenarios.
declare -A IV GW PROM_PORT FAULTS_PID
IV=([equal]=10 [peer-defaults]=15)
GW=([equal]=0 [peer-defaults]=30)
STACKS=()
for ((r = 1; r <= ROUNDS; r++)); do for sc in "${SCENARIOS[@]}"; do STACKS+=("$sc-r$r"); done; done

start_stack() {  # SCENARIO-rROUND
    local id=$1 sc=${1%-r*} round=${1##*-r} p tports cfg pid_tocsin i
    local iv=${IV[$sc]} gw=${GW[$sc]}
    local duration=$((HOLD + 2 * iv + gw + 20))
    IFS=, read -r -a p <<<"$("${PY[@]}" "$HERE/measure.py" ports $((TARGETS + 6)))"
    local api=${p[0]} smtp=${p[1]} hook=${p[2]} am=${p[3]} prom=${p[4]} bb=${p[5]}
    PROM_PORT[$id]=$prom
    tports=$(IFS=,; echo "${p[*]:6}")
    log "$id: interval $iv s, group_wait $gw s, faults last $duration s, seed $((SEED + round - 1))"
    "${LAT[@]}" plan --seed $((SEED + round - 1)) --targets "$TARGETS" --window "$WINDOW" --duration "$duration" \
        --out "$WORK/plan-$id.json"
    cfg=$("${LAT[@]}" configs --dir "$WORK" --scenario "$id" --plan "$WORK/plan-$id.json" --target-ports "$tports" \
        --certs "$WORK/certs" --interval "$iv" --group-wait "$gw" --timeout "$TIMEOUT" --api-port "$api" \
        --smtp-port "$smtp" --am-port "$am" --webhook-port "$hook" --blackbox-port "$bb")
    "$TOCSIN" check --config "$cfg" >/dev/null 2>&1 || "$TOCSIN" check --config "$cfg"

    start_bg "$WORK/faults-$id.log" "${LAT[@]}" faults --plan "$WORK/plan-$id.json" --ports "$tports" \
        --certs "$WORK/certs" --events "$WORK/events-$id.jsonl"
    FAULTS_PID[$id]=$LAST_PID
    for ((i = 0; i < 100; i++)); do grep -q "SIGUSR1 starts" "$WORK/faults-$id.log" && break; sleep 0.1; done
    grep -q "SIGUSR1 starts" "$WORK/faults-$id.log" || { echo "fault server did not start" >&2; exit 1; }
    start_bg "$WORK/smtp-$id.log" "$SMTPD_PY" -B -m aiosmtpd -n -l "127.0.0.1:$smtp" -c latency.SmtpRecorder \
        "$WORK/smtp-$id.jsonl"
    wait_tcp "$smtp" "$LAST_PID"
    start_bg "$WORK/webhook-$id.log" "${LAT[@]}" webhook --port "$hook" --out "$WORK/webhook-$id.jsonl"
    wait_tcp "$hook" "$LAST_PID"

    start_bg "$WORK/tocsin-$id.log" "$TOCSIN" run --config "$cfg"
    pid_tocsin=$LAST_PID
    start_bg "$WORK/blackbox-$id.log" "$BLACKBOX" --config.file="$WORK/blackbox-$id.yml" \
        --web.listen-address="127.0.0.1:$bb"
    "${PY[@]}" "$HERE/measure.py" wait-http "http://127.0.0.1:$bb/-/healthy" --pid "$LAST_PID" --timeout 60
    # No cluster: a lone Alertmanager would otherwise wait for gossip to settle.
    start_bg "$WORK/alertmanager-$id.log" "$ALERTMANAGER" --config.file="$WORK/alertmanager-$id.yml" \
        --storage.path="$WORK/alertmanager-data-$id" --web.listen-address="127.0.0.1:$am" --cluster.listen-address=
    "${PY[@]}" "$HERE/measure.py" wait-http "http://127.0.0.1:$am/-/ready" --pid "$LAST_PID" --timeout 60
    start_bg "$WORK/prometheus-$id.log" "$PROMETHEUS" --config.file="$WORK/prometheus-$id.yml" \
        --storage.tsdb.path="$WORK/prometheus-data-$id" --web.listen-address="127.0.0.1:$prom"
    "${PY[@]}" "$HERE/measure.py" wait-http "http://127.0.0.1:$prom/-/ready" --pid "$LAST_PID" --timeout 120
    "${PY[@]}" "$HERE/measure.py" wait-http "http://127.0.0.1:$api/readyz" --pid "$pid_tocsin" --timeout 120
}

warm_up() {  # STACK: Prometheus has seen every target healthy
    local id=$1 i n=0 prom=${PROM_PORT[$1]}
    for ((i = 0; i < 60; i++)); do
        n=$(curl -sf "http://127.0.0.1:$prom/api/v1/query" --data-urlencode 'query=count(probe_success == 1)' |
            "${PY[@]}" -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)') || n=0
        [[ $n == "$TARGETS" ]] && return 0
        sleep 1
    done
    echo "$id: Prometheus sees $n of $TARGETS targets up after warm-up" >&2
    exit 1
}

for id in "${STACKS[@]}"; do start_stack "$id"; done
# tocsin's rules start once every check reported (interval + timeout).
longest=0
for sc in "${SCENARIOS[@]}"; do ((IV[$sc] > longest)) && longest=${IV[$sc]}; done
sleep $((longest + TIMEOUT + 2))
for id in "${STACKS[@]}"; do warm_up "$id"; done
log "warm-up done; starting the fault plans"
collectors=()
for id in "${STACKS[@]}"; do
    sc=${id%-r*}
    kill -USR1 "${FAULTS_PID[$id]}"
    start_bg "$WORK/collect-$id.log" "${LAT[@]}" collect --plan "$WORK/plan-$id.json" \
        --events "$WORK/events-$id.jsonl" --smtp "$WORK/smtp-$id.jsonl" --webhook "$WORK/webhook-$id.jsonl" \
        --scenario "$sc" --round "${id##*-r}" --interval "${IV[$sc]}" --group-wait "${GW[$sc]}" \
        --timeout "$TIMEOUT" --patience $((2 * IV[$sc] + GW[$sc] + TIMEOUT + 30)) --out "$WORK/faults-$id.jsonl" \
        --tocsin-log "$WORK/tocsin-$id.log" --prom-api "http://127.0.0.1:${PROM_PORT[$id]}"
    collectors+=("$LAST_PID")
done
for pid in "${collectors[@]}"; do
    wait "$pid" || { echo "collect (pid $pid) failed" >&2; exit 1; }
    untrack "$pid"
done
for id in "${STACKS[@]}"; do
    cat "$WORK/collect-$id.log" >&2
    cat "$WORK/faults-$id.jsonl" >>"$RAW"
done
for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[i]}"; done

# ------------------------------------------------------------ report
MINUTES=$(( ($(date +%s) - BENCH_START + 59) / 60 ))
report=("${LAT[@]}" report "$RAW" --out "$RESULTS" --workdir "$WORK" --tocsin-bin "$TOCSIN" --minutes "$MINUTES")
if ((WRITE_DOCS)); then
    report+=(--png "$ROOT/docs/benchmarks-latency.png" --write-docs "$ROOT/docs/benchmarks.md"
             --command "bash bench/compare/latency.sh --write-docs")
else
    report+=(--png "$WORK/latency.png")
fi
"${report[@]}"
if [[ -n $RESULTS_COPY ]]; then
    cp "$RESULTS" "$RESULTS_COPY"
    cp "$RAW" "${RESULTS_COPY%.jsonl}.faults.jsonl"
fi
log "done in $(($(date +%s) - START_TIME)) s ($(($(date +%s) - BENCH_START)) s without the build)"
