#!/usr/bin/env python3
"""Measurement helpers for bench/compare/run.sh (standard library only).

  measure.py ports N                      N free loopback TCP ports, comma-separated
  measure.py wait-http URL [--timeout S] [--pid PID]
                                          wait until URL answers 200 (fails early if PID died)
  measure.py rotate WWW_DIR --period S --variants N [--subdirs A,B,...]
                                          points WWW_DIR/metrics.txt (or WWW_DIR/A/metrics.txt, ...) at
                                          page.K.txt, K advancing every S seconds
  measure.py run --system tocsin|prometheus --scenario NAME --kind scrape|probe
                 --proc NAME=PID [--proc ...] --nginx-pid PID --metrics-url URL
                 [--prom-api URL] [--rules N] [--log FILE] --interval S --warmup N
                 [--warmup-scrapes N] [--warmup-timeout S] --intervals N --out FILE
                                          warms up, measures one window, appends a JSON line to FILE

CPU is the time every thread of a process ran, in nanoseconds: the first field
of /proc/PID/task/TID/schedstat, summed over the threads, per thread as the
difference between the window's edges (a thread that ends inside the window
loses its share of the window; their number is reported). utime+stime of
/proc/PID/stat (clock ticks of `getconf CLK_TCK`, 10 ms; they include ended
threads) are reported next to it as a cross-check; without schedstat (kernels
without CONFIG_SCHEDSTATS) the ticks are the figure. Counters (samples,
probes, lateness buckets, rule evaluations) are read from the systems' own
/metrics just outside the window, so rendering those pages never counts as
work of the window. A scrape window with --rules 0 (scrape only) checks that
no rule is evaluated (Prometheus' /api/v1/rules empty) and reports rules 0.
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


def task_ns(pid):
    """{tid: nanoseconds on the CPU} of every thread of PID (schedstat), or None without schedstat."""
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return {}
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as fh:
                out[int(tid)] = int(fh.read().split()[0])
        except FileNotFoundError:
            if not os.path.exists(f"/proc/{pid}/task/{tid}"):
                continue  # the thread ended just now
            return None
        except OSError:
            continue
    return out


class Cpu:
    """CPU of a set of processes over a window: schedstat nanoseconds per thread, and ticks."""

    def __init__(self, pids):
        self.pids = list(pids)
        self.ticks0 = {p: cpu_ticks(p) for p in self.pids}
        self.ns0 = {p: task_ns(p) for p in self.pids}

    def stop(self):
        ticks = sum(cpu_ticks(p) - self.ticks0[p] for p in self.pids if alive(p)) / CLK_TCK
        ns, ended, have = 0, 0, True
        for p in self.pids:
            before, after = self.ns0[p], task_ns(p)
            if before is None or after is None:
                have = False
                continue
            ns += sum(v - before.get(tid, 0) for tid, v in after.items())
            ended += sum(1 for tid in before if tid not in after)
        if have:
            return {"cpu_seconds": ns / 1e9, "cpu_seconds_ticks": ticks, "cpu_source": "schedstat",
                    "threads_ended": ended}
        return {"cpu_seconds": ticks, "cpu_seconds_ticks": ticks, "cpu_source": "ticks", "threads_ended": None}


def children(pid):
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out += [int(x) for x in fh.read().split()]
    except OSError:
        pass
    return out


def vm_status(pid, key="VmHWM"):
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


def vm_hwm(pid):
    return vm_status(pid, "VmHWM")


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
    dirs = [os.path.join(a.dir, d) for d in a.subdirs.split(",")] if a.subdirs else [a.dir]
    k = 0
    while True:
        for d in dirs:
            tmp = os.path.join(d, "metrics.tmp")
            if os.path.lexists(tmp):
                os.unlink(tmp)
            os.symlink(f"page.{k % a.variants}.txt", tmp)
            os.replace(tmp, os.path.join(d, "metrics.txt"))
        k += 1
        time.sleep(a.period)


class Progress:
    """The per-system way of reading scrape progress."""

    def __init__(self, a):
        self.a = a

    def page(self):
        return parse_metrics(fetch(self.a.metrics_url))

    def scrapes(self):
        """(successful scrapes of the page so far, what last_duration needs to tell the last one's duration)."""
        if self.a.system == "tocsin":
            s = self.page()
            n = total(s, "tocsin_scrape_duration_seconds_count", job="page")
            failed = total(s, "tocsin_scrape_failures_total", job="page")
            return n - failed, (n, total(s, "tocsin_scrape_duration_seconds_sum", job="page"))
        ok = prom_query(self.a.prom_api, 'sum_over_time(up{job="page"}[1h])')
        return (ok[0][1] if ok else 0), None

    def last_duration(self, prev, cur):
        if self.a.system == "tocsin":
            (n0, s0), (n1, s1) = prev, cur
            return (s1 - s0) / max(1.0, n1 - n0)
        r = prom_query(self.a.prom_api, 'scrape_duration_seconds{job="page"}')
        return r[0][1] if r else 1.0


def align_to_scrapes(a, p, want):
    """Waits for WANT successful scrapes, then for the middle of the gap after the last one, so
    the window starts after the series-creating scrape(s) and holds whole scrapes only."""
    limit = a.warmup_timeout or (want + 4) * a.interval
    deadline = time.monotonic() + limit
    n, extra = p.scrapes()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        n1, extra1 = p.scrapes()
        if n1 != n and n1 >= want:
            done = time.monotonic()
            d = p.last_duration(extra, extra1)
            gap = max(0.3, (a.interval - d) / 2)
            log(f"scrape {int(n1)} finished ({d:.3f} s); window starts {gap:.1f} s later, mid-gap")
            time.sleep(max(0.0, done + gap - time.monotonic()))
            return d
        n, extra = n1, extra1
    sys.exit(f"fewer than {want} successful scrapes in {limit} s: is the scrape failing?")


def tocsin_retention(logfile):
    try:
        with open(logfile, errors="replace") as fh:
            m = re.findall(r"rule\(s\); series kept (\d+) s", fh.read())
        return int(m[-1]) if m else None
    except OSError:
        return None


def rule_figures(a, s0, s1, r):
    """Rule evaluation figures of the window (scrape scenarios with rules); fails on broken rules."""
    n = a.rules
    if a.system == "tocsin":
        evals = total(s1, "tocsin_rule_evaluations_total") - total(s0, "tocsin_rule_evaluations_total")
        secs = total(s1, "tocsin_rule_evaluation_duration_seconds_sum") - total(
            s0, "tocsin_rule_evaluation_duration_seconds_sum")
        counted = total(s1, "tocsin_rule_evaluation_duration_seconds_count") - total(
            s0, "tocsin_rule_evaluation_duration_seconds_count")
        failed = total(s1, "tocsin_rule_evaluation_failures_total")
        evaluated = sum(1 for name, _, v in s1 if name == "tocsin_rule_evaluations_total" and v >= 1)
        if evaluated != n or failed:
            sys.exit(f"tocsin: {evaluated} of {n} rules evaluated, {int(failed)} failed evaluations")
        r["rule_eval_source"] = ("tocsin_rule_evaluation_duration_seconds _sum/_count (every rule), window delta; "
                                 "rounds = evaluations / rules")
        r["alerts_pending"] = int(total(s1, "tocsin_alerts", state="pending"))
        r["alerts_firing"] = int(total(s1, "tocsin_alerts", state="firing"))
        rounds = evals / n
        per_round = secs / rounds if rounds else None
        per_rule = secs / counted if counted else None
    else:
        evals = total(s1, "prometheus_rule_evaluations_total") - total(s0, "prometheus_rule_evaluations_total")
        secs = total(s1, "prometheus_rule_group_duration_seconds_sum") - total(
            s0, "prometheus_rule_group_duration_seconds_sum")
        rounds = total(s1, "prometheus_rule_group_duration_seconds_count") - total(
            s0, "prometheus_rule_group_duration_seconds_count")
        per_round = secs / rounds if rounds else None
        # The evaluations counter moves rule by rule, the duration summary once per whole round: a round
        # cut by the window's edge counts in the first only, so the time per rule is per round / N.
        per_rule = per_round / n if per_round is not None else None
        r["rule_group_iterations_missed"] = int(total(s1, "prometheus_rule_group_iterations_missed_total") - total(
            s0, "prometheus_rule_group_iterations_missed_total"))
        r["rule_eval_source"] = ("prometheus_rule_group_duration_seconds _sum/_count (one group of every rule), "
                                 "window delta; per rule = per round / rules; evaluations = "
                                 "prometheus_rule_evaluations_total, window delta")
        rules = json.loads(fetch(a.prom_api + "/api/v1/rules", timeout=120))["data"]["groups"]
        got = [x for g in rules for x in g["rules"]]
        bad = [x["name"] for x in got if x.get("health") != "ok" or x.get("lastEvaluation", "").startswith("0001")]
        if len(got) != n or bad:
            sys.exit(f"prometheus: /api/v1/rules lists {len(got)} of {n} rules; not ok or never evaluated: "
                     f"{bad[:5]} ({len(bad)})")
        failed = total(s1, "prometheus_rule_evaluation_failures_total")
        if failed:
            sys.exit(f"prometheus: {int(failed)} failed rule evaluations")
        pend = prom_query(a.prom_api, 'count(ALERTS{alertstate="pending"}) or vector(0)')
        fire = prom_query(a.prom_api, 'count(ALERTS{alertstate="firing"}) or vector(0)')
        r["alerts_pending"] = int(pend[0][1]) if pend else None
        r["alerts_firing"] = int(fire[0][1]) if fire else None
        if r["alerts_pending"] or r["alerts_firing"]:
            active = prom_query(a.prom_api, "ALERTS")
            r["alerts_active_rules"] = sorted({m.get("alertname", "?") for m, _ in active})[:20]
    r["rules"] = n
    r["rule_evaluations"] = int(evals)
    r["rule_rounds"] = round(rounds, 2)
    r["rule_eval_seconds"] = round(secs, 4)
    r["rule_eval_seconds_per_round"] = None if per_round is None else round(per_round, 5)
    r["rule_eval_us_per_rule"] = round(per_rule * 1e6, 2) if per_rule is not None else None


def no_rule_figures(a, s1, r):
    """The scrape-only scenario (--rules 0): checks that neither system evaluates any rule, so the
    window holds scraping and storing only. Prometheus' /api/v1/rules must be empty here (with rules
    it must list every one), tocsin must have evaluated none."""
    if a.system == "tocsin":
        evals = total(s1, "tocsin_rule_evaluations_total")
        if evals:
            sys.exit(f"tocsin: {int(evals)} rule evaluations in a scenario without rules")
        r["alerts_pending"] = int(total(s1, "tocsin_alerts", state="pending"))
        r["alerts_firing"] = int(total(s1, "tocsin_alerts", state="firing"))
    else:
        groups = json.loads(fetch(a.prom_api + "/api/v1/rules", timeout=120))["data"]["groups"]
        got = [x for g in groups for x in g["rules"]]
        if got:
            sys.exit(f"prometheus: /api/v1/rules lists {len(got)} rules in a scenario without rules")
        evals = total(s1, "prometheus_rule_evaluations_total")
        r["alerts_pending"] = r["alerts_firing"] = 0
    r["rules"] = 0
    r["rule_evaluations"] = int(evals)
    r["rule_eval_source"] = "no rules: scrape only (checked: no rule evaluated, Prometheus' /api/v1/rules empty)"


def cmd_run(a):
    procs = dict(x.split("=", 1) for x in a.proc)
    procs = {k: int(v) for k, v in procs.items()}
    p = Progress(a)
    if a.kind == "scrape":
        log(f"{a.system} {a.scenario}: warm-up until {a.warmup_scrapes} successful scrapes")
        last_scrape_s = align_to_scrapes(a, p, a.warmup_scrapes)
    else:
        log(f"{a.system} {a.scenario}: warm-up {a.warmup} x {a.interval} s")
        time.sleep(a.warmup * a.interval)
        last_scrape_s = None
    for name, pid in procs.items():
        if not alive(pid):
            sys.exit(f"{name} (pid {pid}) exited during warm-up")

    nginx = [a.nginx_pid] + children(a.nginx_pid)
    m0 = fetch(a.metrics_url)
    c0 = {k: Cpu([v]) for k, v in procs.items()}
    n0 = Cpu(nginx)
    h0 = host_idle_ticks()
    t0 = time.monotonic()
    window = a.intervals * a.interval
    log(f"window: {a.intervals} x {a.interval} s")
    time.sleep(window)
    t1 = time.monotonic()
    t1_wall = time.time()
    c1 = {k: c.stop() for k, c in c0.items()}
    n1 = n0.stop()
    h1 = host_idle_ticks()
    m1 = fetch(a.metrics_url)
    for name, pid in procs.items():
        if not alive(pid):
            sys.exit(f"{name} (pid {pid}) exited during the window")
    s0, s1 = parse_metrics(m0), parse_metrics(m1)
    cpu = {k: c["cpu_seconds"] for k, c in c1.items()}
    rss = {k: vm_hwm(v) for k, v in procs.items()}
    rss_now = {k: vm_status(v, "VmRSS") for k, v in procs.items()}
    r = {
        "system": a.system,
        "scenario": a.scenario,
        "kind": a.kind,
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(t1_wall)),
        "interval_seconds": a.interval,
        "window_seconds": round(t1 - t0, 2),
        "cpu_seconds": round(sum(cpu.values()), 4),
        "cpu_seconds_ticks": round(sum(c["cpu_seconds_ticks"] for c in c1.values()), 2),
        "cpu_source": "schedstat" if all(c["cpu_source"] == "schedstat" for c in c1.values()) else "ticks",
        "threads_ended_in_window": sum(c["threads_ended"] or 0 for c in c1.values()),
        "cpu_seconds_by_process": {k: round(v, 4) for k, v in cpu.items()},
        "peak_rss_bytes": sum(rss.values()),
        "peak_rss_bytes_by_process": rss,
        "rss_bytes": sum(rss_now.values()),
        "nginx_cpu_seconds": round(n1["cpu_seconds"], 3),
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
            r["samples_per_scrape"] = int(per_page)
            r["failures"] = int(total(s1, "tocsin_scrape_failures_total") - total(s0, "tocsin_scrape_failures_total"))
            r["last_scrape_seconds"] = round(last_scrape_s, 3)
            r["series"] = int(total(s1, "tocsin_series"))
            r["series_source"] = "tocsin_series"
            r["store_memory_bytes"] = int(total(s1, "tocsin_series_memory_bytes"))
            ok_scrapes = total(s1, "tocsin_scrape_duration_seconds_count", job="page") - total(
                s1, "tocsin_scrape_failures_total", job="page")
            r["samples_held"] = int(ok_scrapes * per_page)
            r["samples_held_source"] = ("successful scrapes since start x samples per page (the run is shorter "
                                        "than the retention: nothing aged out)")
            r["retention_seconds"] = tocsin_retention(a.log) if a.log else None
            # tocsin writes its series snapshot every minute from its start (storage.snapshot_interval)
            # and only then updates tocsin_series and tocsin_series_memory_bytes.
            started = first(s1, "tocsin_start_time_seconds") or 0
            w0 = t1_wall - (t1 - t0)
            r["snapshots_in_window"] = sum(1 for k in range(1, 10000)
                                           if w0 <= started + 60 * k <= t1_wall) if started else None
            if not r["series"]:
                deadline = time.monotonic() + 75
                while not r["series"] and time.monotonic() < deadline:
                    time.sleep(1)
                    s2 = p.page()
                    r["series"] = int(total(s2, "tocsin_series"))
                    r["store_memory_bytes"] = int(total(s2, "tocsin_series_memory_bytes"))
                r["series_note"] = "read after the window: the first series snapshot came after its end"
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
            r["series"] = int(total(s1, "prometheus_tsdb_head_series"))
            r["series_source"] = "prometheus_tsdb_head_series"
            r["head_chunks"] = int(total(s1, "prometheus_tsdb_head_chunks"))
            r["samples_held"] = int(total(s1, "prometheus_tsdb_head_samples_appended_total"))
            r["samples_held_source"] = ("prometheus_tsdb_head_samples_appended_total since start (the head keeps "
                                        "2 h and more before compaction: everything)")
            r["retention_seconds"] = None
        else:
            r["probes"] = int(scrapes)
            down = prom_query(a.prom_api, "count(up == 0) or vector(0)")
            failed = prom_query(a.prom_api, "count(probe_success == 0) or vector(0)")
            r["failures"] = int(down[0][1] + failed[0][1])
            r["failures_note"] = "targets with up==0 or probe_success==0 at the window's end"
            pd = prom_query(a.prom_api, "quantile(0.99, probe_duration_seconds)")
            r["probe_duration_p99_seconds"] = round(pd[0][1], 4) if pd else None
    if a.kind == "scrape":
        r["warmup_scrapes"] = a.warmup_scrapes
    else:
        r["warmup_intervals"] = a.warmup
    if a.kind == "scrape":
        r["cpu_ns_per_sample"] = round(r["cpu_seconds"] / r["samples"] * 1e9, 1) if r["samples"] else None
        if r.get("series"):
            r["bytes_per_series_peak"] = round(r["peak_rss_bytes"] / r["series"], 1)
            r["bytes_per_series_rss"] = round(r["rss_bytes"] / r["series"], 1)
        if a.rules:
            rule_figures(a, s0, s1, r)
        else:
            no_rule_figures(a, s1, r)
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
    s.add_argument("--subdirs", default="")
    s = sub.add_parser("run")
    s.add_argument("--system", required=True, choices=["tocsin", "prometheus"])
    s.add_argument("--scenario", required=True)
    s.add_argument("--kind", required=True, choices=["scrape", "probe"])
    s.add_argument("--proc", action="append", required=True)
    s.add_argument("--nginx-pid", type=int, required=True)
    s.add_argument("--metrics-url", required=True)
    s.add_argument("--prom-api")
    s.add_argument("--interval", type=int, default=10)
    s.add_argument("--warmup", type=int, default=2, help="intervals before a probe window")
    s.add_argument("--warmup-scrapes", type=int, default=2, help="successful scrapes before a scrape window")
    s.add_argument("--warmup-timeout", type=float, help="seconds to wait for them (default: that many +4 intervals)")
    s.add_argument("--rules", type=int, default=0)
    s.add_argument("--log", help="tocsin's log (its retention)")
    s.add_argument("--intervals", type=int, default=6)
    s.add_argument("--out", required=True)
    a = ap.parse_args()
    {"ports": cmd_ports, "wait-http": cmd_wait_http, "rotate": cmd_rotate, "run": cmd_run}[a.cmd](a)


if __name__ == "__main__":
    main()
