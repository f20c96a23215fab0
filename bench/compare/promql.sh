#!/usr/bin/env bash
# PromQL evaluation: tocsin's engine next to Prometheus 2.42 on the same data,
# in the same run (see docs/benchmarks.md, "PromQL evaluation").
#
#   bash bench/compare/promql.sh [--repeat N] [--warmup N] [--write-docs] [--results FILE] [--keep]
#
#   --repeat N     measured evaluations per query and system (default 15; the median is reported)
#   --warmup N     evaluations before those, not counted (default 3)
#   --write-docs   (re)write the generated block of "PromQL evaluation" in docs/benchmarks.md
#   --results FILE also keep the JSON lines in FILE
#   --keep         keep the temp dir (data file, TSDB block, logs)
#
# 1. builds tocsin_promql_compare (Release, build-promql-bench/) and writes the
#    data set of bench/promql/dataset.hpp as an OpenMetrics file (100k
#    counters, 10k histograms of 12 buckets, 34 samples each: 7.5M samples);
# 2. turns it into a TSDB block with `promtool tsdb create-blocks-from
#    openmetrics`, starts Debian's prometheus on 127.0.0.1 on that block (no
#    scrape jobs), and times each query through /api/v1/query?stats=all;
#    stops it;
# 3. loads the same file into tocsin's SeriesStore with tocsin's OpenMetrics
#    parser and times Engine::instant on the same queries at the same time.
# One system at a time. Installs `prometheus` with apt-get when missing (its
# service is neither enabled nor started). Every process it starts is stopped
# by PID, also on error or Ctrl-C, and the temp dir is removed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
REPEAT=15
WARMUP=3
WRITE_DOCS=0
KEEP=0
RESULTS_COPY=""
while (($#)); do
    case "$1" in
        --repeat) REPEAT=$2; shift ;;
        --warmup) WARMUP=$2; shift ;;
        --write-docs) WRITE_DOCS=1 ;;
        --keep) KEEP=1 ;;
        --results) RESULTS_COPY=$(realpath -m "$2"); shift ;;
        -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 64 ;;
    esac
    shift
done
export PYTHONDONTWRITEBYTECODE=1
PY=(python3 -B)
START_TIME=$(date +%s)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

log() { echo "[promql.sh $(date +%H:%M:%S)] $*" >&2; }

# ------------------------------------------------------------ packages
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$HERE/lib.sh"  # install_packages, stop_pid, cleanup (stops every PID started)
install_packages prometheus
PROMETHEUS=/usr/bin/prometheus
PROMTOOL=/usr/bin/promtool
for b in "$PROMETHEUS" "$PROMTOOL"; do [[ -x $b ]] || { echo "missing $b" >&2; exit 69; }; done

# ------------------------------------------------------------ tocsin
log "building tocsin_promql_compare (Release)"
(cd "$ROOT" && cmake -S . -B build-promql-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DTOCSIN_BUILD_BENCH=ON \
    -DTOCSIN_BUILD_TESTS=OFF >/dev/null && cmake --build build-promql-bench -j2 --target tocsin_promql_compare >/dev/null)
DRIVER=$ROOT/build-promql-bench/bench/promql/tocsin_promql_compare
TOCSIN_REV=$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo "?")
if [[ -n $(git -C "$ROOT" status --porcelain -- src include bench 2>/dev/null) ]]; then TOCSIN_REV+=" + working tree"; fi

# ------------------------------------------------------------ processes
WORK=$(mktemp -d /tmp/tocsin-promql.XXXXXX)
RESULTS=$WORK/results.jsonl
setup_traps

DATA=$WORK/data.om
log "writing the data set (OpenMetrics)"
"$DRIVER" generate "$DATA"
"$DRIVER" queries >"$WORK/queries.jsonl"

# ------------------------------------------------------------ Prometheus
log "promtool tsdb create-blocks-from openmetrics"
mkdir -p "$WORK/prometheus-data"
"$PROMTOOL" tsdb create-blocks-from openmetrics "$DATA" "$WORK/prometheus-data" >"$WORK/promtool.log" 2>&1
ls -d "$WORK"/prometheus-data/01* >/dev/null  # at least one block
printf 'global:\n  scrape_interval: 1h\n  evaluation_interval: 1h\n' >"$WORK/prometheus.yml"
PROM_PORT=$("${PY[@]}" "$HERE/measure.py" ports 1)
# The block is from 2023: a long retention keeps it (retention counts from
# the newest block, but say so anyway).
"$PROMETHEUS" --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prometheus-data" \
    --storage.tsdb.retention.time=100y --web.listen-address="127.0.0.1:$PROM_PORT" \
    >"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
PIDS+=("$PROM_PID")
"${PY[@]}" "$HERE/measure.py" wait-http "http://127.0.0.1:$PROM_PORT/-/ready" --pid "$PROM_PID" --timeout 300
log "prometheus (pid $PROM_PID) on :$PROM_PORT: timing the queries"
"${PY[@]}" "$HERE/promql.py" prometheus --api "http://127.0.0.1:$PROM_PORT" --queries "$WORK/queries.jsonl" \
    --repeat "$REPEAT" --warmup "$WARMUP" --out "$RESULTS"
stop_pid "$PROM_PID"

# ------------------------------------------------------------ tocsin
log "tocsin: loading the same file and timing the queries"
"$DRIVER" run "$DATA" --repeat "$REPEAT" --warmup "$WARMUP" >>"$RESULTS"

# ------------------------------------------------------------ report
[[ -n $RESULTS_COPY ]] && cp "$RESULTS" "$RESULTS_COPY"
report=("${PY[@]}" "$HERE/promql.py" report "$RESULTS" --tocsin-rev "$TOCSIN_REV" --load "$LOAD_BEFORE")
if ((WRITE_DOCS)); then
    cmd="bash bench/compare/promql.sh --write-docs"
    [[ $REPEAT != 15 ]] && cmd+=" --repeat $REPEAT"
    [[ $WARMUP != 3 ]] && cmd+=" --warmup $WARMUP"
    report+=(--write-docs "$ROOT/docs/benchmarks.md" --command "$cmd")
fi
"${report[@]}"
log "done in $(($(date +%s) - START_TIME)) s"
