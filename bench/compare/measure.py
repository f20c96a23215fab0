#!/usr/bin/env python3
"""Measurement helpers for bench/compare/run.sh (standard library only).

  measure.py ports N                      N free loopback TCP ports, comma-separated
  measure.py wait-http URL [--timeout S] [--pid PID]
                                          wait until URL answers 200 (fails early if PID died)
  measure.py rotate WWW_DIR --period S --variants N
                                          points WWW_DIR/metrics.txt at page.K.txt, K advancing every S seconds
  measure.py run --system tocsin|prometheus --scenario NAME --kind scrape|probe
                 --proc NAME=PID [--proc ...] --nginx-pid PID --metrics-url URL
                 [--prom-api URL] --interval S --warmup N --intervals N --out FILE
                                          warms up, measures one window, appends a JSON line to FILE

CPU is utime+stime of /proc/PID/stat (all threads) in clock ticks of
`getconf CLK_TCK`, read at the window's edges; counters (samples, probes,
lateness buckets) are read from the systems' own /metrics just outside the
window, so rendering those pages never counts as work of the window.
"""
import argparse
import json
import math
import os
import re
import socket
import sys
import time
import urllib.parse
import urllib.request

CLK_TCK = os.sysconf("SC_CLK_TCK")
LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


# ---------------------------------------------------------------- utilities

def log(msg):
    print(f"[measure {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def fetch(url, timeout=60):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode("utf-8", "replace")


def parse_metrics(text):
    """[(name, {label: value}, float)] of a Prometheus text page."""
    out = []
    for line in text.splitlines():
        if not line or line[0] == "#":
            continue
        m = LINE.match(line)
        if not m:
            continue
        labels = dict(LABEL.findall(m.group(2) or ""))
        try:
            v = float(m.group(3))
        except ValueError:
            continue
        out.append((m.group(1), labels, v))
    return out


def total(samples, name, **match):
    return sum(v for n, l, v in samples if n == name and all(l.get(k) == x for k, x in match.items()))


def first(samples, name, **match):
    for n, l, v in samples:
        if n == name and all(l.get(k) == x for k, x in match.items()):
            return v
    return None


def buckets(samples, name):
    """{le: cumulative count} summed over all series of histogram NAME."""
    out = {}
    for n, l, v in samples:
        if n == name + "_bucket":
            le = math.inf if l["le"] == "+Inf" else float(l["le"])
            out[le] = out.get(le, 0.0) + v
    return out


def hist_quantile(q, cum):
    """histogram_quantile() over {le: cumulative count}: (value, capped) or (None, False)."""
    les = sorted(cum)
    if not les or cum[les[-1]] <= 0:
        return None, False
    rank = q * cum[les[-1]]
    prev_le, prev_c = 0.0, 0.0
    for le in les:
        c = cum[le]
        if c >= rank:
            if math.isinf(le):
                return prev_le, True  # beyond the last finite bucket: at least this
            if c == prev_c:
                return le, False
            return prev_le + (le - prev_le) * (rank - prev_c) / (c - prev_c), False
        prev_le, prev_c = le, c
    return prev_le, True


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as fh:
        rest = fh.read().rsplit(")", 1)[1].split()
    return int(rest[11]) + int(rest[12])  # utime, stime (fields 14 and 15)


def children(pid):
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out += [int(x) for x in fh.read().split()]
    except OSError:
        pass
    return out


def vm_hwm(pid):
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def host_idle_ticks():
    # idle + iowait: on a tickless kernel these are measured exactly, while the
    # busy fields are sampled at the tick and miss short bursts of work.
    with open("/proc/stat") as fh:
        f = [int(x) for x in fh.readline().split()[1:]]
    return f[3] + f[4]


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def prom_query(api, expr, at=None):
    q = {"query": expr}
    if at is not None:
        q["time"] = f"{at:.3f}"
    url = api + "/api/v1/query?" + urllib.parse.urlencode(q)
    res = json.loads(fetch(url))["data"]["result"]
    return [(r["metric"], float(r["value"][1])) for r in res]


# ---------------------------------------------------------------- commands

def free_ports(n):
    """N distinct free loopback TCP ports (held open together while choosing them)."""
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def cmd_ports(a):
    print(",".join(map(str, free_ports(a.n))))


def cmd_wait_http(a):
    deadline = time.monotonic() + a.timeout
    last = ""
    while time.monotonic() < deadline:
        if a.pid and not alive(a.pid):
            sys.exit(f"process {a.pid} exited while waiting for {a.url}")
        try:
            with urllib.request.urlopen(a.url, timeout=5) as r:
                if r.status == 200:
                    return
        except Exception as e:  # noqa: BLE001 - any failure means "not yet"
            last = str(e)
        time.sleep(0.2)
    sys.exit(f"timed out waiting for {a.url}: {last}")


def cmd_rotate(a):
    k = 0
    while True:
        tmp = os.path.join(a.dir, "metrics.tmp")
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(f"page.{k % a.variants}.txt", tmp)
        os.replace(tmp, os.path.join(a.dir, "metrics.txt"))
        k += 1
        time.sleep(a.period)


class Progress:
    """The per-system way of reading progress counters."""

    def __init__(self, a):
        self.a = a

    def page(self):
        return parse_metrics(fetch(self.a.metrics_url))

    def scrape_progress(self, s):
        if self.a.system == "tocsin":
            return (total(s, "tocsin_scrape_duration_seconds_count", job="page"),
                    total(s, "tocsin_scrape_duration_seconds_sum", job="page"))
        return total(s, "prometheus_tsdb_head_samples_appended_total"), None


def align_to_scrapes(a, p):
    """Returns once the scrape gap's middle is reached, so the window holds whole scrapes."""
    prev = p.scrape_progress(p.page())
    deadline = time.monotonic() + 3 * a.interval
    while time.monotonic() < deadline:
        time.sleep(0.2)
        cur = p.scrape_progress(p.page())
        if cur[0] != prev[0]:
            done = time.monotonic()
            if a.system == "tocsin":
                d = (cur[1] - prev[1]) / max(1.0, cur[0] - prev[0])
            else:
                r = prom_query(a.prom_api, 'scrape_duration_seconds{job="page"}')
                d = r[0][1] if r else 1.0
            gap = max(0.3, (a.interval - d) / 2)
            log(f"scrape finished ({d:.3f} s); window starts {gap:.1f} s later, mid-gap")
            time.sleep(max(0.0, done + gap - time.monotonic()))
            return d
        prev = cur
    sys.exit("no scrape completed while aligning: is the scrape failing?")


def cmd_run(a):
    procs = dict(x.split("=", 1) for x in a.proc)
    procs = {k: int(v) for k, v in procs.items()}
    p = Progress(a)
    log(f"{a.system} {a.scenario}: warm-up {a.warmup} x {a.interval} s")
    time.sleep(a.warmup * a.interval)
    for name, pid in procs.items():
        if not alive(pid):
            sys.exit(f"{name} (pid {pid}) exited during warm-up")
    last_scrape_s = align_to_scrapes(a, p) if a.kind == "scrape" else None

    nginx = [a.nginx_pid] + children(a.nginx_pid)
    m0 = fetch(a.metrics_url)
    c0 = {k: cpu_ticks(v) for k, v in procs.items()}
    n0 = sum(cpu_ticks(x) for x in nginx)
    h0 = host_idle_ticks()
    t0 = time.monotonic()
    window = a.intervals * a.interval
    log(f"window: {a.intervals} x {a.interval} s")
    time.sleep(window)
    t1 = time.monotonic()
    t1_wall = time.time()
    c1 = {k: cpu_ticks(v) for k, v in procs.items()}
    n1 = sum(cpu_ticks(x) for x in nginx)
    h1 = host_idle_ticks()
    m1 = fetch(a.metrics_url)
    for name, pid in procs.items():
        if not alive(pid):
            sys.exit(f"{name} (pid {pid}) exited during the window")
    s0, s1 = parse_metrics(m0), parse_metrics(m1)
    cpu = {k: (c1[k] - c0[k]) / CLK_TCK for k in procs}
    rss = {k: vm_hwm(v) for k, v in procs.items()}
    r = {
        "system": a.system,
        "scenario": a.scenario,
        "interval_seconds": a.interval,
        "window_seconds": round(t1 - t0, 2),
        "cpu_seconds": round(sum(cpu.values()), 3),
        "cpu_seconds_by_process": {k: round(v, 3) for k, v in cpu.items()},
        "peak_rss_bytes": sum(rss.values()),
        "peak_rss_bytes_by_process": rss,
        "nginx_cpu_seconds": round((n1 - n0) / CLK_TCK, 3),
        "host_busy_cores": round(max(0.0, os.cpu_count() - (h1 - h0) / CLK_TCK / (t1 - t0)), 2),
        "loadavg_1m": float(open("/proc/loadavg").read().split()[0]),
    }
    if a.system == "tocsin":
        late0 = buckets(s0, "tocsin_scheduler_lateness_seconds")
        late1 = buckets(s1, "tocsin_scheduler_lateness_seconds")
        late = {le: late1.get(le, 0) - late0.get(le, 0) for le in late1}
        p99, capped = hist_quantile(0.99, late)
        n = late.get(math.inf, 0)
        r["lateness_p99_seconds"] = None if p99 is None else round(p99, 4)
        r["lateness_p99_capped"] = capped
        r["lateness_over_100ms_share"] = None if not n else round(1 - late.get(0.1, 0) / n, 5)
        r["lateness_source"] = "tocsin_scheduler_lateness_seconds buckets, window delta, linear interpolation"
        r["skipped_ticks"] = total(s1, "tocsin_scheduler_skipped_ticks_total") - total(
            s0, "tocsin_scheduler_skipped_ticks_total")
        r["checks_queued_at_end"] = total(s1, "tocsin_checks_queued")
        if a.kind == "scrape":
            scrapes = total(s1, "tocsin_scrape_duration_seconds_count", job="page") - total(
                s0, "tocsin_scrape_duration_seconds_count", job="page")
            per_page = first(s1, "tocsin_scrape_samples", job="page") or 0
            r["scrapes"] = int(scrapes)
            r["samples"] = int(scrapes * per_page)
            r["failures"] = int(total(s1, "tocsin_scrape_failures_total") - total(s0, "tocsin_scrape_failures_total"))
            r["last_scrape_seconds"] = round(last_scrape_s, 3)
        else:
            r["probes"] = int(total(s1, "tocsin_probe_duration_seconds_count") -
                              total(s0, "tocsin_probe_duration_seconds_count"))
            r["failures"] = int(total(s1, "tocsin_probe_failures_total") - total(s0, "tocsin_probe_failures_total"))
            pd0 = buckets(s0, "tocsin_probe_duration_seconds")
            pd1 = buckets(s1, "tocsin_probe_duration_seconds")
            q, _ = hist_quantile(0.99, {le: pd1.get(le, 0) - pd0.get(le, 0) for le in pd1})
            r["probe_duration_p99_seconds"] = None if q is None else round(q, 4)
    else:
        appended = total(s1, "prometheus_tsdb_head_samples_appended_total") - total(
            s0, "prometheus_tsdb_head_samples_appended_total")
        scrapes = total(s1, "prometheus_target_interval_length_seconds_count") - total(
            s0, "prometheus_target_interval_length_seconds_count")
        q99 = first(s1, "prometheus_target_interval_length_seconds", quantile="0.99")
        r["lateness_p99_seconds"] = None if q99 is None or math.isnan(q99) else round(q99 - a.interval, 4)
        r["lateness_p99_capped"] = False
        r["lateness_source"] = ('prometheus_target_interval_length_seconds{quantile="0.99"} minus the interval '
                                "(summary over its last 10 minutes, warm-up included)")
        r["interval_length_q01_seconds"] = first(s1, "prometheus_target_interval_length_seconds", quantile="0.01")
        r["interval_length_q99_seconds"] = q99
        r["samples_appended"] = int(appended)
        # Scrapes whose samples are stamped inside the window: one `up` sample each.
        in_window = prom_query(a.prom_api, f"sum(count_over_time(up[{int((t1 - t0) * 1000)}ms]))", t1_wall)
        r["scrapes_interval_length_delta"] = int(scrapes)
        scrapes = in_window[0][1] if in_window else scrapes
        if a.kind == "scrape":
            r["scrapes"] = int(scrapes)
            r["samples"] = int(appended)
            up = prom_query(a.prom_api, 'up{job="page"}')
            r["failures"] = sum(1 for _, v in up if v != 1)
            ss = prom_query(a.prom_api, 'scrape_samples_scraped{job="page"}')
            r["samples_per_scrape"] = int(ss[0][1]) if ss else None
            r["last_scrape_seconds"] = round(last_scrape_s, 3)
        else:
            r["probes"] = int(scrapes)
            down = prom_query(a.prom_api, "count(up == 0) or vector(0)")
            failed = prom_query(a.prom_api, "count(probe_success == 0) or vector(0)")
            r["failures"] = int(down[0][1] + failed[0][1])
            r["failures_note"] = "targets with up==0 or probe_success==0 at the window's end"
            pd = prom_query(a.prom_api, "quantile(0.99, probe_duration_seconds)")
            r["probe_duration_p99_seconds"] = round(pd[0][1], 4) if pd else None
    if a.kind == "scrape":
        r["cpu_ns_per_sample"] = round(r["cpu_seconds"] / r["samples"] * 1e9, 1) if r["samples"] else None
    else:
        r["cpu_seconds_per_1k_probes"] = round(r["cpu_seconds"] / r["probes"] * 1000, 4) if r["probes"] else None
    with open(a.out, "a") as fh:
        fh.write(json.dumps(r) + "\n")
    log(json.dumps(r))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("ports")
    s.add_argument("n", type=int)
    s = sub.add_parser("wait-http")
    s.add_argument("url")
    s.add_argument("--timeout", type=float, default=120)
    s.add_argument("--pid", type=int)
    s = sub.add_parser("rotate")
    s.add_argument("dir")
    s.add_argument("--period", type=float, default=5)
    s.add_argument("--variants", type=int, default=3)
    s = sub.add_parser("run")
    s.add_argument("--system", required=True, choices=["tocsin", "prometheus"])
    s.add_argument("--scenario", required=True)
    s.add_argument("--kind", required=True, choices=["scrape", "probe"])
    s.add_argument("--proc", action="append", required=True)
    s.add_argument("--nginx-pid", type=int, required=True)
    s.add_argument("--metrics-url", required=True)
    s.add_argument("--prom-api")
    s.add_argument("--interval", type=int, default=10)
    s.add_argument("--warmup", type=int, default=2)
    s.add_argument("--intervals", type=int, default=6)
    s.add_argument("--out", required=True)
    a = ap.parse_args()
    {"ports": cmd_ports, "wait-http": cmd_wait_http, "rotate": cmd_rotate, "run": cmd_run}[a.cmd](a)


if __name__ == "__main__":
    main()
