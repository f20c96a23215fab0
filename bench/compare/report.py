#!/usr/bin/env python3
"""Turns the JSON lines of measure.py into ratios, JSON lines and a Markdown
table; with --write-docs, (re)writes the "End-to-end comparisons" section of
docs/benchmarks.md and leaves every other section as it is.

  report.py RESULTS.jsonl [--write-docs DOCS.md --command CMD --tocsin-bin PATH --mode full|quick]
"""
import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys

SECTION = "## End-to-end comparisons"
GOALS = {"scrape": 10.0, "probe": 5.0}  # peer CPU per unit / tocsin CPU per unit, at least
LATENESS_GOAL = 0.1


def kind(r):
    return "scrape" if "samples" in r else "probe"


def unit_cost(r):
    return r.get("cpu_ns_per_sample") if kind(r) == "scrape" else r.get("cpu_seconds_per_1k_probes")


def with_ratios(rows):
    out = []
    for r in rows:
        r = dict(r)
        if r["system"] == "tocsin":
            peer = next((p for p in rows if p["scenario"] == r["scenario"] and p["system"] != "tocsin"), None)
            if peer and unit_cost(r) and unit_cost(peer):
                r["ratio"] = round(unit_cost(peer) / unit_cost(r), 2)
                r["rss_ratio"] = round(peer["peak_rss_bytes"] / max(1, r["peak_rss_bytes"]), 2)
                r["goal_ratio"] = GOALS[kind(r)]
                r["meets_cpu_goal"] = r["ratio"] >= GOALS[kind(r)]
                if kind(r) == "probe" and r.get("lateness_p99_seconds") is not None:
                    r["meets_lateness_goal"] = (not r.get("lateness_p99_capped")) and \
                        r["lateness_p99_seconds"] < LATENESS_GOAL
            else:
                r["ratio"] = None
        else:
            r["ratio"] = 1.0
        out.append(r)
    return out


def mib(b):
    return f"{b / 2**20:,.0f} MiB"


def fmt_late(r):
    v = r.get("lateness_p99_seconds")
    if v is None:
        return "n/a"
    if r["system"] == "tocsin" and not r.get("lateness_p99_capped") and v <= 0.001:
        return "≤ 1 ms"  # inside the first bucket: the histogram cannot say more
    s = f"{v * 1000:,.1f} ms"
    return ("≥ " + s) if r.get("lateness_p99_capped") else s


def table(rows):
    head = ("| scenario | system | work in window | CPU s (window) | CPU per unit | peak RSS | "
            "p99 start lateness | CPU ratio (peer ÷ tocsin) | goal |\n"
            "|---|---|---:|---:|---:|---:|---:|---:|---|\n")
    lines = []
    for r in rows:
        sysname = "tocsin" if r["system"] == "tocsin" else (
            "prometheus" if kind(r) == "scrape" else "prometheus + blackbox_exporter")
        if kind(r) == "scrape":
            work = f"{r['samples']:,} samples ({r.get('scrapes', '?')} scrapes)"
            per = f"{r['cpu_ns_per_sample']:,.0f} ns/sample" if r.get("cpu_ns_per_sample") else "n/a"
        else:
            work = f"{r['probes']:,} probes"
            per = f"{r['cpu_seconds_per_1k_probes']:.3f} s/1k probes" if r.get("cpu_seconds_per_1k_probes") else "n/a"
        ratio = f"**{r['ratio']:.1f}×**" if r["system"] == "tocsin" and r.get("ratio") else ""
        goal = ""
        if r["system"] == "tocsin" and r.get("ratio"):
            goal = f"≥ {GOALS[kind(r)]:.0f}×: {'met' if r['meets_cpu_goal'] else 'NOT met'}"
            if "meets_lateness_goal" in r:
                goal += f"; p99 < 100 ms: {'met' if r['meets_lateness_goal'] else 'NOT met'}"
        lines.append(f"| {r['scenario']} | {sysname} | {work} | {r['cpu_seconds']:.2f} | {per} | "
                     f"{mib(r['peak_rss_bytes'])} | {fmt_late(r)} | {ratio} | {goal} |")
    return head + "\n".join(lines) + "\n"


def sh(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "?"


def machine():
    model = "?"
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = 0
    with open("/proc/meminfo") as fh:
        mem = int(fh.readline().split()[1]) // (1024 * 1024)
    debian = open("/etc/debian_version").read().strip() if os.path.exists("/etc/debian_version") else "?"
    return f"{os.cpu_count()} vCPUs \"{model}\", {mem} GiB, Debian {debian}, Linux {platform.release()}"


def versions(tocsin_bin, packages=("prometheus", "prometheus-blackbox-exporter", "nginx-light")):
    pk = sh(["dpkg-query", "-W", "-f=${Package} ${Version}\\n", *packages]).replace("\n", ", ")
    tv = sh([tocsin_bin, "version"]).splitlines()
    return pk, (tv[0] if tv else "?")


def notes(rows):
    out = []
    for r in rows:
        if r["system"] == "tocsin" and kind(r) == "probe":
            out.append(f"{r['scenario']}: tocsin {r['failures']} failed probes, {int(r.get('skipped_ticks', 0))} "
                       f"skipped slots, {r.get('lateness_over_100ms_share', 0) * 100:.2f}% of starts later than "
                       f"100 ms, p99 probe duration {r.get('probe_duration_p99_seconds')} s (histogram)")
        elif kind(r) == "probe":
            out.append(f"{r['scenario']}: Prometheus+blackbox {r['failures']} targets down or failing at the end, "
                       "CPU split " + " + ".join(f"{k} {v:.2f} s" for k, v in r["cpu_seconds_by_process"].items()) +
                       ", p99 probe duration "
                       f"{r.get('probe_duration_p99_seconds')} s (quantile over targets' last probe_duration_seconds)")
    busy = ", ".join(f"{r['scenario']}/{r['system']} {r['host_busy_cores']}" for r in rows)
    nginx = ", ".join(f"{r['scenario']}/{r['system']} {r['nginx_cpu_seconds']}" for r in rows)
    out.append(f"Whole-machine busy cores during each window (2 = saturated; from the idle time in /proc/stat, so "
               f"it includes nginx, the measuring script and anything else running): {busy}")
    out.append(f"nginx CPU seconds in each window (not counted for either system): {nginx}")
    return out


def write_docs(path, rows, a):
    pk, tv = versions(a.tocsin_bin)
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    iv = rows[0]["interval_seconds"]
    def window_of(kind):
        wins = sorted({r["window_seconds"] for r in rows if r["scenario"].startswith(kind)})
        return "/".join(f"{w:.0f}" for w in wins) or "?"
    scrape_win, probe_win = window_of("scrape"), window_of("probe")
    body = f"""{SECTION}

`bench/compare/` runs tocsin and its Prometheus-stack peer on the same
workload in the same run, one system at a time so they never compete for the
cores, and reports the peer's cost divided by tocsin's. One command installs
what is missing (Debian's `prometheus`, `prometheus-blackbox-exporter`,
`nginx-light`; their services are not started), builds tocsin in Release,
runs everything on loopback from a temp dir and removes it:

```sh
{a.command}
```

- **Scrape**: a deterministic page of exactly 100,000 samples (counters,
  gauges, two histogram families; service/handler/method/code, namespace/pod,
  grpc labels; about 12 MB of text format 0.0.4) served by nginx as a static
  file. Three variants of the page (same series, counters and buckets grow,
  gauges move) rotate every {iv / 2:g} s, so every scrape ingests new values. Each
  system scrapes it every {iv} s (timeout 5 s); Prometheus' samples are
  `prometheus_tsdb_head_samples_appended_total` (page plus its 5 report
  series), tocsin's are scrapes × `tocsin_scrape_samples`. The window starts
  and ends in the middle of the gap between two scrapes, so it holds whole
  scrapes only, after a warm-up that includes the first (series-creating)
  scrape.
- **Probe**: N loopback HTTP targets (nginx, 2 workers, `return 200`, spread
  over 8 ports) probed every {iv} s with a 5 s timeout. tocsin runs `[[target]]`
  probes with `[daemon] max_concurrent_checks = 1024`; the peer is Prometheus
  scraping blackbox_exporter's `/probe?module=http_2xx&target=…` for each
  target (usual relabeling), and the CPU of **both** processes is counted.
  Probes are the window's delta of tocsin's
  `tocsin_probe_duration_seconds_count`, and for Prometheus the `up` samples
  stamped inside the window (`sum(count_over_time(up[WINDOW]))` at its end;
  `prometheus_target_interval_length_seconds_count` misses each target's
  first scrape). Scrapes of the page are counted the same two ways.
- **CPU** is utime+stime from `/proc/PID/stat` over a window of {scrape_win} s
  for the scrape (long, so that the kernel's 10 ms accounting ticks stay small
  against tocsin's figure) and {probe_win} s for the probes (all threads), **peak RSS** is `VmHWM` at the window's end (lifetime peak,
  warm-up included; for the peer the sum of both processes). Counters are
  read from each system's own `/metrics` just outside the window.
- **Lateness**: tocsin's p99 is interpolated from the window's delta of the
  `tocsin_scheduler_lateness_seconds` buckets (1, 5, 10, 50, 100, 500 ms, 1 s,
  5 s; "≤ 1 ms" means it fell in the first bucket, "≥" in the open top
  one). For Prometheus it is
  `prometheus_target_interval_length_seconds{{quantile="0.99"}}` minus the
  interval: the jitter of the actual scrape interval (a summary over its last
  10 minutes, warm-up included), the closest figure Prometheus exposes.

Run {date}, `{a.mode}` mode, on {machine()}; {pk}; {tv}.

{table(rows)}
Notes from the same run:

""" + "\n".join(f"- {n}" for n in notes(rows)) + """

Caveats: a shared 2-core VM, with other work possibly running (the busy-cores
line above shows the whole machine during each window); nginx and the
measuring script share the cores with the system under test. tocsin keeps
every scraped series (the benchmark config has no rules, so no admission filter) and writes its
series snapshot every minute (`storage.snapshot_interval` default), which
falls inside the window; Prometheus writes its WAL and head as usual with
default flags (no head compaction happens in a run this short). Peak RSS of
the Go processes depends on `GOGC` (default). Compare figures taken in the
same run only.
"""
    with open(path) as fh:  # re-read right before editing
        text = fh.read()
    pattern = re.compile(r"^## End-to-end comparisons\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: body + ("\n" if not body.endswith("\n\n") else ""), text, count=1)
        text = text.rstrip("\n") + "\n"
    else:
        text = text.rstrip("\n") + "\n\n" + body
    with open(path + ".tmp", "w") as fh:
        fh.write(text)
    os.replace(path + ".tmp", path)
    print(f"wrote the \"End-to-end comparisons\" section of {path}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--write-docs")
    ap.add_argument("--command", default="bash bench/compare/run.sh --write-docs")
    ap.add_argument("--tocsin-bin", default="build-release/tocsin")
    ap.add_argument("--mode", default="full")
    a = ap.parse_args()
    with open(a.results) as fh:
        rows = with_ratios([json.loads(line) for line in fh if line.strip()])
    for r in rows:
        print(json.dumps(r))
    print()
    print(table(rows))
    if a.write_docs:
        write_docs(a.write_docs, rows, a)


if __name__ == "__main__":
    main()
