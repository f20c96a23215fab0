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
import tempfile

SECTION = "## End-to-end comparisons"
GOALS = {"scrape": 10.0, "probe": 5.0}  # peer CPU per unit / tocsin CPU per unit, at least
MEMORY_GOAL = 5.0  # peer bytes per series / tocsin bytes per series, at least
LATENESS_GOAL = 0.1
LINEAR_BAND = 0.25  # per-unit cost within ±25% of the median across sizes: linear


def kind(r):
    return r.get("kind") or ("scrape" if "samples" in r else "probe")


def scrape_only(r):
    """The scrape-only scenario (scrape-only-100k): a scrape window with no rules at all."""
    return kind(r) == "scrape" and ("rules" in r and not r["rules"] or r["scenario"].startswith("scrape-only"))


def with_rules(r):
    """A scrape window with rules (scrape-10k, scrape-100k, scrape-1m)."""
    return kind(r) == "scrape" and not scrape_only(r)


def unit_cost(r):
    return r.get("cpu_ns_per_sample") if kind(r) == "scrape" else r.get("cpu_seconds_per_1k_probes")


def cpu_seconds_per_unit(r):
    c = unit_cost(r)
    if not c:
        return None
    return c / 1e9 if kind(r) == "scrape" else c / 1000


def size_of(r):
    """The scenario's size: samples per scrape, or probe targets."""
    if kind(r) == "scrape":
        return r.get("samples_per_scrape") or (r["samples"] / max(1, r.get("scrapes") or 1))
    m = re.fullmatch(r"probe-(\d+)k", r["scenario"])
    return int(m.group(1)) * 1000 if m else round(r["probes"] / max(1, r["window_seconds"] / r["interval_seconds"]))


def ratio(a, b):
    return round(a / b, 2) if a and b else None


REPORT_SERIES = 5  # up, scrape_duration_seconds, scrape_samples_scraped, ..._post_metric_relabeling, ..._series_added


def normalize(r):
    """Prometheus' samples of a scrape window are the delta of prometheus_tsdb_head_samples_appended_total;
    when it disagrees with the scrapes stamped inside the window (a 1M-sample commit that straddles the
    reading of the counter: seen once, 4M appended in a window of 3 scrapes, at the same CPU as 3M in
    another run), the scrapes × (page + report series) count is used instead, as for tocsin."""
    if r["system"] == "tocsin" or kind(r) != "scrape" or not r.get("samples_per_scrape") or not r.get("scrapes"):
        return r
    expected = r["scrapes"] * (r["samples_per_scrape"] + REPORT_SERIES)
    if abs(r["samples"] - expected) > 0.02 * expected:
        r = dict(r)
        r["samples_appended_delta"] = r["samples"]
        r["samples"] = expected
        r["samples_source"] = (f"scrapes stamped in the window x (samples per scrape + {REPORT_SERIES}): the "
                               f"appended-samples delta ({r['samples_appended_delta']:,}) disagreed by more than 2%")
        r["cpu_ns_per_sample"] = round(r["cpu_seconds"] / expected * 1e9, 1)
    return r


def with_ratios(rows):
    rows = [normalize(r) for r in rows]
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
                if kind(r) == "scrape":
                    r["memory_per_series_ratio"] = ratio(peer.get("bytes_per_series_peak"),
                                                         r.get("bytes_per_series_peak"))
                    r["memory_per_series_ratio_rss"] = ratio(peer.get("bytes_per_series_rss"),
                                                             r.get("bytes_per_series_rss"))
                    if r["memory_per_series_ratio"] is not None:
                        r["goal_memory_ratio"] = MEMORY_GOAL
                        r["meets_memory_goal"] = r["memory_per_series_ratio"] >= MEMORY_GOAL
                    r["rule_eval_ratio_per_rule"] = ratio(peer.get("rule_eval_us_per_rule"),
                                                          r.get("rule_eval_us_per_rule"))
                    r["rule_eval_ratio_per_round"] = ratio(peer.get("rule_eval_seconds_per_round"),
                                                           r.get("rule_eval_seconds_per_round"))
                if kind(r) == "probe" and r.get("lateness_p99_seconds") is not None:
                    r["meets_lateness_goal"] = (not r.get("lateness_p99_capped")) and \
                        r["lateness_p99_seconds"] < LATENESS_GOAL
            else:
                r["ratio"] = None
        else:
            r["ratio"] = 1.0
        out.append(r)
    return out


# ---------------------------------------------------------------- scaling

def si(n):
    for div, suf in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= div:
            v = n / div
            return (f"{v:,.1f}".rstrip("0").rstrip(".") if v < 10 else f"{v:,.0f}") + suf
    return f"{n:,.0f}"


def scaling(rows):
    """Per family (scrape, probe) and system: cost per unit at each size, the growth verdict and
    the rate of work at which one core would be busy."""
    out = []
    for fam in ("scrape", "probe"):
        for system in ("tocsin", "prometheus"):
            pts = sorted(((size_of(r), cpu_seconds_per_unit(r), r) for r in rows
                          if kind(r) == fam and not scrape_only(r) and r["system"] == system
                          and cpu_seconds_per_unit(r)),
                         key=lambda x: x[0])
            if not pts:
                continue
            costs = [c for _, c, _ in pts]
            med = sorted(costs)[len(costs) // 2] if len(costs) % 2 else \
                sum(sorted(costs)[len(costs) // 2 - 1:len(costs) // 2 + 1]) / 2
            off = [(sz, c / med - 1) for sz, c, _ in pts]
            worst = max(off, key=lambda x: abs(x[1]))
            if len(pts) < 2:
                verdict = "one size only"
            elif all(abs(d) <= LINEAR_BAND for _, d in off):
                verdict = (f"linear: cost per unit within ±{LINEAR_BAND * 100:.0f}% of the median at every size "
                           f"(widest {worst[1] * 100:+.0f}% at {si(worst[0])})")
            else:
                first, last = pts[0], pts[-1]
                trend = "falls" if last[1] < first[1] else "rises"
                outside = ", ".join(f"{si(sz)} {d * 100:+.0f}%" for sz, d in off if abs(d) > LINEAR_BAND)
                verdict = (f"not within ±{LINEAR_BAND * 100:.0f}%: cost per unit {trend} from "
                           f"{fmt_unit(fam, first[1])} at {si(first[0])} to {fmt_unit(fam, last[1])} at "
                           f"{si(last[0])} (off the median: {outside})")
                if trend == "falls":
                    verdict += "; fixed costs spread over more work, no cliff"
                else:
                    ratio_growth = (last[1] / first[1])
                    verdict += f"; {ratio_growth:.1f}× the per-unit cost at {last[0] / first[0]:.0f}× the work"
            # One core saturates when CPU seconds per second reach 1: units/s = 1 / cost per unit,
            # at the largest size measured (the figure the next size up would start from).
            big_size, big_cost, big = pts[-1]
            per_s = 1 / big_cost
            if fam == "scrape":
                page = big_size
                pages = per_s * big["interval_seconds"] / page
                npages = f"{pages:,.1f}" if pages < 10 else f"{pages:,.0f}"
                sat = (f"≈ {si(per_s)} samples/s ({npages} pages of {si(page)} samples per "
                       f"{big['interval_seconds']} s), at the {si(page)} page's cost")
            else:
                iv = big["interval_seconds"]
                sat = (f"≈ {si(per_s)} probes/s ({si(per_s * iv)} targets at a {iv} s interval), at "
                       f"{si(big_size)} targets' cost")
            out.append({"family": fam, "system": system,
                        "sizes": [sz for sz, _, _ in pts],
                        "cpu_seconds_per_unit": [c for _, c, _ in pts],
                        "linear": len(pts) >= 2 and all(abs(d) <= LINEAR_BAND for _, d in off),
                        "verdict": verdict,
                        "saturates_one_core_units_per_second": round(per_s, 1),
                        "saturation": sat})
    return out


def fmt_unit(fam, c):
    return f"{c * 1e9:,.0f} ns/sample" if fam == "scrape" else f"{c * 1000:.3f} s/1k probes"


# ---------------------------------------------------------------- tables

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


def fmt_secs(v):
    if v is None:
        return "n/a"
    if v >= 1:
        return f"{v:,.2f} s"
    if v >= 1e-3:
        return f"{v * 1e3:,.1f} ms"
    return f"{v * 1e6:,.0f} µs"


def verdict(ok):
    return "met" if ok else "NOT met"


def scrape_cells(r):
    """The cells both scrape tables share: work, CPU per sample, bytes per series."""
    work = f"{r['samples']:,} samples ({r.get('scrapes', '?')} scrapes)"
    per = f"{r['cpu_ns_per_sample']:,.0f} ns" if r.get("cpu_ns_per_sample") else "n/a"
    bps = (f"{r['bytes_per_series_peak']:,.0f} ({r['bytes_per_series_rss']:,.0f})"
           if r.get("bytes_per_series_peak") else "n/a")
    return work, per, bps


def scrape_table(rows):
    head = ("| scenario | system | work in window | CPU s (window) | CPU per sample | series | peak RSS "
            "(end RSS) | bytes per series, peak (end) | rule eval per round | per rule evaluation | "
            "rule evaluations (rounds) | ratios (peer ÷ tocsin): CPU/sample, bytes/series, per rule eval | goals |\n"
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n")
    lines = []
    for r in rows:
        if not with_rules(r):
            continue
        work, per, bps = scrape_cells(r)
        rules = r.get("rules") or 0
        round_ = fmt_secs(r.get("rule_eval_seconds_per_round")) + (f" ({rules:,} rules)" if rules else "")
        per_rule = f"{r['rule_eval_us_per_rule']:,.1f} µs" if r.get("rule_eval_us_per_rule") else "n/a"
        evals = f"{r.get('rule_evaluations', 0):,} ({r.get('rule_rounds', 0):g})" if rules else "n/a"
        ratios = goals = ""
        if r["system"] == "tocsin" and r.get("ratio"):
            ratios = (f"**{r['ratio']:.1f}×**, **{(r.get('memory_per_series_ratio') or 0):.1f}×**, "
                      f"{(r.get('rule_eval_ratio_per_rule') or 0):.1f}×")
            goals = f"CPU ≥ 10×: {verdict(r['meets_cpu_goal'])}"
            if "meets_memory_goal" in r:
                goals += f"; memory ≥ 5×: {verdict(r['meets_memory_goal'])}"
        lines.append(f"| {r['scenario']} | {r['system']} | {work} | {r['cpu_seconds']:.3f} | {per} | "
                     f"{r.get('series', 0):,} | {mib(r['peak_rss_bytes'])} ({mib(r.get('rss_bytes', 0))}) | {bps} | "
                     f"{round_} | {per_rule} | {evals} | {ratios} | {goals} |")
    return head + "\n".join(lines) + "\n" if lines else ""


def scrape_only_table(rows):
    head = ("| scenario | system | work in window | CPU s (window) | CPU per sample | series | peak RSS (end RSS) | "
            "bytes per series, peak (end) | CPU ratio (peer ÷ tocsin) | goal |\n"
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n")
    lines = []
    for r in rows:
        if not scrape_only(r):
            continue
        work, per, bps = scrape_cells(r)
        ratio_ = goal = ""
        if r["system"] == "tocsin" and r.get("ratio"):
            ratio_ = f"**{r['ratio']:.1f}×**"
            goal = f"≥ {GOALS['scrape']:.0f}×: {verdict(r['meets_cpu_goal'])}"
        lines.append(f"| {r['scenario']} | {r['system']} | {work} | {r['cpu_seconds']:.3f} | {per} | "
                     f"{r.get('series', 0):,} | {mib(r['peak_rss_bytes'])} ({mib(r.get('rss_bytes', 0))}) | {bps} | "
                     f"{ratio_} | {goal} |")
    return head + "\n".join(lines) + "\n" if lines else ""


def probe_table(rows):
    head = ("| scenario | system | work in window | CPU s (window) | CPU per unit | peak RSS | "
            "p99 start lateness | CPU ratio (peer ÷ tocsin) | goal |\n"
            "|---|---|---:|---:|---:|---:|---:|---:|---|\n")
    lines = []
    for r in rows:
        if kind(r) != "probe":
            continue
        sysname = "tocsin" if r["system"] == "tocsin" else "prometheus + blackbox_exporter"
        work = f"{r['probes']:,} probes"
        per = f"{r['cpu_seconds_per_1k_probes']:.3f} s/1k probes" if r.get("cpu_seconds_per_1k_probes") else "n/a"
        ratio_ = f"**{r['ratio']:.1f}×**" if r["system"] == "tocsin" and r.get("ratio") else ""
        goal = ""
        if r["system"] == "tocsin" and r.get("ratio"):
            goal = f"≥ {GOALS['probe']:.0f}×: {verdict(r['meets_cpu_goal'])}"
            if "meets_lateness_goal" in r:
                goal += f"; p99 < 100 ms: {verdict(r['meets_lateness_goal'])}"
        lines.append(f"| {r['scenario']} | {sysname} | {work} | {r['cpu_seconds']:.2f} | {per} | "
                     f"{mib(r['peak_rss_bytes'])} | {fmt_late(r)} | {ratio_} | {goal} |")
    return head + "\n".join(lines) + "\n" if lines else ""


def scaling_table(sc):
    head = ("| work | system | CPU per unit at each size | growth | one core saturates at |\n"
            "|---|---|---|---|---|\n")
    lines = []
    for x in sc:
        costs = ", ".join(f"{si(sz)}: {fmt_unit(x['family'], c)}" for sz, c in zip(x["sizes"], x["cpu_seconds_per_unit"]))
        what = "scrape + rules (samples per page)" if x["family"] == "scrape" else "probes (targets)"
        sysname = x["system"] if x["family"] == "scrape" or x["system"] == "tocsin" else \
            "prometheus + blackbox_exporter"
        lines.append(f"| {what} | {sysname} | {costs} | {x['verdict']} | {x['saturation']} |")
    return head + "\n".join(lines) + "\n" if lines else ""


HEAD_SCRAPE_ONLY = ("Scrape only (goal: at least 10× less CPU per sample; the ratio and the goal on tocsin's "
                    "row):")
HEAD_SCRAPE = ("Scrape and rules (ratios and goals on tocsin's rows; goals: at least 10× less\n"
               "CPU per sample, at least 5× less memory per series):")
HEAD_PROBE = "Probes (goal: at least 5× less CPU, p99 start lateness under 100 ms):"


def table(rows):
    return "\n".join(f"{h}\n\n{t}" for h, t in ((HEAD_SCRAPE_ONLY, scrape_only_table(rows)),
                                               (HEAD_SCRAPE, scrape_table(rows)),
                                               (HEAD_PROBE, probe_table(rows))) if t)


def chart(rows, png, workdir):
    """Log-log: CPU per unit against size (scrape, probe) and memory per series against series."""
    os.makedirs(workdir, exist_ok=True)
    data = {}
    for fam in ("scrape", "probe", "memory"):
        for system in ("tocsin", "prometheus"):
            pts = []
            for r in rows:
                if r["system"] != system or scrape_only(r):  # one size, no rules: not on the scaling chart
                    continue
                if fam == "memory":
                    if kind(r) == "scrape" and r.get("bytes_per_series_peak") and r.get("series"):
                        pts.append((r["series"], r["bytes_per_series_peak"]))
                elif kind(r) == fam and unit_cost(r):
                    pts.append((size_of(r), unit_cost(r) if fam == "scrape" else unit_cost(r)))
            path = os.path.join(workdir, f"scaling-{fam}-{system}.dat")
            with open(path, "w") as fh:
                for x, y in sorted(pts):
                    fh.write(f"{x} {y}\n")
            data[fam, system] = (path, bool(pts))
    panels = [
        ("scrape", "scrape + rules: CPU per ingested sample (rules = samples / 100)", "samples per scrape",
         "CPU ns per sample"),
        ("probe", "probes: CPU per 1,000 probes (10 s interval)", "targets", "CPU s per 1k probes"),
        ("memory", "memory per series (peak RSS ÷ series held)", "series", "bytes per series"),
    ]
    cmds = []
    for fam, title, xl, yl in panels:
        plots = []
        for system, color, name in (("tocsin", "#c0392b", "tocsin"),
                                    ("prometheus", "#2c3e80", "Prometheus" + (" + blackbox_exporter"
                                                                              if fam == "probe" else ""))):
            path, ok = data[fam, system]
            if ok:
                plots.append(f'"{path}" using 1:2 with linespoints lw 2 pt 7 ps 1.2 lc rgb "{color}" '
                             f'title "{name}" noenhanced')
        if not plots:
            continue
        cmds.append(f'set title "{title}" noenhanced\nset xlabel "{xl}"\nset ylabel "{yl}"\n'
                    "plot " + ", \\\n     ".join(plots) + "\n")
    if not cmds:  # e.g. only the scrape-only scenario ran: one size, not on the scaling chart
        print(f"no scaling chart: no scenario with sizes to plot (not writing {png})", file=sys.stderr)
        return
    script = f"""set terminal pngcairo size {480 * len(cmds)},470 font "DejaVu Sans,10"
set output "{png}"
set multiplot layout 1,{len(cmds)}
set logscale xy
set format x "%.0s%c"
set grid xtics ytics mxtics mytics lc rgb "#dddddd"
set key below horizontal
set offsets graph 0.08, graph 0.08, 0, 0
""" + "\n".join(cmds) + "unset multiplot\n"
    sp = os.path.join(workdir, "scaling.gp")
    with open(sp, "w") as fh:
        fh.write(script)
    subprocess.run(["gnuplot", sp], check=True)
    print(f"wrote {png}", file=sys.stderr)


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
        if kind(r) == "scrape":
            who = "tocsin" if r["system"] == "tocsin" else "Prometheus"
            held = f"{r['samples_held']:,} samples held" if r.get("samples_held") else ""
            if r["system"] == "tocsin":
                why = ("no rules: the 5-minute minimum, the lookback alone; the run is shorter, so nothing aged "
                       "out" if scrape_only(r) else "the rules' 5m ranges + `for: 5m` + 5m lookback")
                ctx = (f"store estimate `tocsin_series_memory_bytes` {mib(r.get('store_memory_bytes', 0))}, "
                       f"{held} (estimate: scrapes × page), retention {r.get('retention_seconds')} s "
                       f"({why}), "
                       f"{r.get('snapshots_in_window')} series snapshot(s) in the window")
            elif scrape_only(r):
                ctx = (f"{r.get('head_chunks', 0):,} head chunks, {held} (head: everything since start), "
                       f"no rule files (`/api/v1/rules` empty)")
            else:
                ctx = (f"{r.get('head_chunks', 0):,} head chunks, {held} (head: everything since start), "
                       f"{r.get('rule_group_iterations_missed', 0)} missed group iterations")
            active = r.get("alerts_pending", 0), r.get("alerts_firing", 0)
            names = (" (" + ", ".join(r["alerts_active_rules"][:5]) + ("…" if len(r["alerts_active_rules"]) > 5
                                                                        else "") + ")"
                     if r.get("alerts_active_rules") else "")
            alerts = ("no rules evaluated" if scrape_only(r) else
                      f"alerts pending/firing at the end {active[0]}/{active[1]}{names}")
            out.append(f"{r['scenario']}: {who} {r.get('failures', 0)} failed scrapes, last warm-up scrape "
                       f"{r.get('last_scrape_seconds')} s; {ctx}; {alerts}; CPU {r['cpu_seconds']:.3f} s (schedstat) vs "
                       f"{r.get('cpu_seconds_ticks', 0):.2f} s (utime+stime ticks)")
        elif r["system"] == "tocsin":
            out.append(f"{r['scenario']}: tocsin {r['failures']} failed probes, {int(r.get('skipped_ticks', 0))} "
                       f"skipped slots, {r.get('lateness_over_100ms_share', 0) * 100:.2f}% of starts later than "
                       f"100 ms, p99 probe duration {r.get('probe_duration_p99_seconds')} s (histogram); CPU "
                       f"{r['cpu_seconds']:.3f} s (schedstat) vs {r.get('cpu_seconds_ticks', 0):.2f} s (ticks)")
        else:
            out.append(f"{r['scenario']}: Prometheus+blackbox {r['failures']} targets down or failing at the end, "
                       "CPU split " + " + ".join(f"{k} {v:.2f} s" for k, v in r["cpu_seconds_by_process"].items()) +
                       ", p99 probe duration "
                       f"{r.get('probe_duration_p99_seconds')} s (quantile over targets' last probe_duration_seconds)")
    for r in rows:
        if r.get("samples_source"):
            out.append(f"{r['scenario']}/{r['system']}: samples counted as {r['samples_source']}")
    ended = [f"{r['scenario']}/{r['system']} {r['threads_ended_in_window']}" for r in rows
             if r.get("threads_ended_in_window")]
    if ended:
        out.append("Threads that ended inside the window (their share of it is missing from the schedstat "
                   "figure; the ticks include it): " + ", ".join(ended))
    busy = ", ".join(f"{r['scenario']}/{r['system']} {r['host_busy_cores']}" for r in rows)
    nginx = ", ".join(f"{r['scenario']}/{r['system']} {r['nginx_cpu_seconds']}" for r in rows)
    out.append(f"Whole-machine busy cores during each window (2 = saturated; from the idle time in /proc/stat, so "
               f"it includes nginx, the measuring script and anything else running): {busy}")
    out.append(f"nginx CPU seconds in each window (not counted for either system): {nginx}")
    return out


def summary(rows):
    """One paragraph on the issue's goals at its base size (the 100k page, 1k rules) and the others."""
    out = []
    for r in sorted(rows, key=lambda x: not scrape_only(x)):  # scrape only first, as its table
        if r["system"] != "tocsin" or kind(r) != "scrape" or not r.get("ratio"):
            continue
        peer = next(p for p in rows if p["scenario"] == r["scenario"] and p["system"] != "tocsin")
        if scrape_only(r):
            out.append(f"{r['scenario']}, scraping alone (no rules): tocsin uses **{r['ratio']:.1f}×** less CPU per "
                       f"sample ({r['cpu_ns_per_sample']:,.0f} against {peer['cpu_ns_per_sample']:,.0f} ns over "
                       f"{r.get('scrapes', '?')} scrapes; the issue's goal ≥ 10×: {verdict(r['meets_cpu_goal'])}) "
                       f"and {r.get('memory_per_series_ratio') or 0:.1f}× less memory per series "
                       f"({r.get('bytes_per_series_peak', 0):,.0f} against "
                       f"{peer.get('bytes_per_series_peak', 0):,.0f} bytes at peak).")
            continue
        out.append(f"{r['scenario']} with {r.get('rules', 0):,} rules: tocsin uses **{r['ratio']:.1f}×** less CPU "
                   f"per sample ({r['cpu_ns_per_sample']:,.0f} against {peer['cpu_ns_per_sample']:,.0f} ns; ≥ 10×: "
                   f"{verdict(r['meets_cpu_goal'])}) and **{r.get('memory_per_series_ratio') or 0:.1f}×** less memory "
                   f"per series ({r.get('bytes_per_series_peak', 0):,.0f} against "
                   f"{peer.get('bytes_per_series_peak', 0):,.0f} bytes at peak; ≥ 5×: "
                   f"{verdict(r.get('meets_memory_goal'))}); one rule evaluation takes "
                   f"{r.get('rule_eval_us_per_rule') or 0:,.1f} µs against {peer.get('rule_eval_us_per_rule') or 0:,.1f} "
                   f"µs, and tocsin did {r.get('rule_rounds', 0):g} rounds of its rules in the window against "
                   f"Prometheus' {peer.get('rule_rounds', 0):g}.")
    return "\n".join(f"- {x}" for x in out)


def write_docs(path, rows, a, sc):
    pk, tv = versions(a.tocsin_bin, ("prometheus", "prometheus-blackbox-exporter", "nginx-light", "gnuplot-nox"))
    date = a.date or rows[-1].get("measured_at") or \
        datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    iv = rows[0]["interval_seconds"]

    def window_of(k):
        wins = sorted({round(r["window_seconds"]) for r in rows if kind(r) == k})
        return "/".join(f"{w:.0f}" for w in wins) or "?"
    scrape_win, probe_win = window_of("scrape"), window_of("probe")
    base = min((size_of(r) for r in rows if with_rules(r)), default=1)
    scales = sorted({size_of(r) / base for r in rows if with_rules(r)})
    png_rel = os.path.relpath(a.png, os.path.dirname(os.path.abspath(path))) if a.png else None
    wins = {}
    for r in rows:
        if with_rules(r):
            wins.setdefault(round(r["window_seconds"] / r["interval_seconds"]), []).append(r["scenario"])
    scrape_windows = "; ".join(f"{n} at " + ", ".join(dict.fromkeys(v)) for n, v in sorted(wins.items(), reverse=True))
    if len(wins) > 1:
        scrape_windows += (" (with Prometheus' slow first scrape the 1M warm-up alone is a minute: the shorter "
                           "window keeps the whole run short)")
    n = sum(1 for r in rows if with_rules(r) and r["system"] == "tocsin")
    n_sizes = {1: "one", 2: "two", 3: "three"}.get(n, str(n))
    sizes = ", ".join(f"{r['scenario']} ({r.get('rules', 0):,} rules)" for r in rows
                      if with_rules(r) and r["system"] == "tocsin")
    only = [r for r in rows if scrape_only(r)]
    only_names = ", ".join(dict.fromkeys(r["scenario"] for r in only))
    only_scrapes = "/".join(dict.fromkeys(str(round(r["window_seconds"] / r["interval_seconds"])) for r in only))
    only_retention = next((r.get("retention_seconds") for r in only if r.get("retention_seconds")), 300)
    only_text = f"""- **Scrape only** ({only_names}): the issue states its goal of at least
  10× less CPU per sample for scraping alone, so this scenario has the same
  100,000-sample page and its 3 rotating variants, scraped every {iv} s
  (timeout 5 s), with **no rules** at all: no `[[rule]]` for tocsin (still
  `[storage] keep_unmatched = true`; with no rules it keeps every series
  anyway), no `rule_files` for Prometheus; the run fails unless tocsin
  evaluated no rule and Prometheus' `/api/v1/rules` is empty. Samples, CPU
  per sample and memory per series are counted as below for the scrapes with
  rules; the window starts in the middle of the gap after the first
  successful scrape and spans {only_scrapes} whole scrapes, twice the other
  windows, to halve the noise. With no rules tocsin keeps its minimum
  retention, {only_retention / 60:g} minutes (the lookback alone) instead of 15; the run is
  shorter than that, so both systems still hold every sample scraped.
""" if only else ""
    only_table = f"{HEAD_SCRAPE_ONLY}\n\n{scrape_only_table(rows)}\n" if only else ""
    body = f"""{SECTION}

`bench/compare/` runs tocsin and its Prometheus-stack peer on the same
workload in the same run, one system at a time so they never compete for the
cores, and reports the peer's cost divided by tocsin's. One command installs
what is missing (Debian's `prometheus`, `prometheus-blackbox-exporter`,
`nginx-light`, `gnuplot-nox`; their services are not started), builds tocsin
in Release, runs everything on loopback from a temp dir and removes it:

```sh
{a.command}
```

- **Scrape and rules**, at {n_sizes} sizes: {sizes}. The page is deterministic
  (counters, gauges, two histogram families; service/handler/method/code,
  namespace/pod, grpc labels; text format 0.0.4, served by nginx as a static
  file): exactly 100,000 samples (about 12 MB, byte-identical to the page of
  earlier runs) at 1×; 10,000 samples at 0.1× (every family's first tenth of
  label sets); 1,000,000 (about 125 MB) at 10× (every family ten times, each
  copy renaming the service, namespace or instance), so a selector of one
  service, handler or instance picks as many series at every size. Three
  variants of each page (same series, counters and buckets grow, gauges
  move) rotate every {iv / 2:g} s, so every scrape ingests new values. Each system
  scrapes it every {iv} s (timeout 5 s) and evaluates samples ÷ 100 alerting
  rules over it, the same rules for both (`[[rule]]` for tocsin, one rule
  group for Prometheus, all with `for: 5m`): error ratios per service, per
  handler and per handler prefix (regex matchers), p99 latency
  (`histogram_quantile` over the buckets' rate), queue depth, CPU and memory
  requests per node and namespace, network receive rate, gRPC error ratio
  (`!=`), process memory; thresholds such that (almost) nothing is pending,
  so both do steady-state evaluation work. Every rule passes `tocsin check`,
  and Prometheus' `/api/v1/rules` must list every rule evaluated with health
  `ok`, or the run fails. Prometheus evaluates its group every {iv} s
  (`evaluation_interval`); tocsin every `[rules] evaluation_interval` = {iv} s
  **and** after each scrape lands, so it evaluates each rule about twice as
  often (the table gives both counts). tocsin runs with
  `[storage] keep_unmatched = true`, so it stores every scraped series as
  Prometheus does (by default it would store only series some rule selector
  can read).
  Samples are the window's delta of Prometheus'
  `prometheus_tsdb_head_samples_appended_total` (page plus its 5 report
  series per scrape), and scrapes × `tocsin_scrape_samples` for tocsin. The
  window starts in the middle of the gap after the first successful scrape
  (it creates the series; at 1M after the second, as Prometheus' first
  scrape of a million series takes 15-20 s here and its garbage would fall
  in the window) and spans whole scrapes: {scrape_windows}.
{only_text}- **CPU per sample** is all the CPU of the process in the window (scraping,
  storing, rule evaluation, tocsin's once-a-minute series snapshot when it
  falls in the window) divided by the samples ingested. **Rule evaluation
  time** is wall time: for tocsin the window's delta of
  `tocsin_rule_evaluation_duration_seconds` `_sum` ÷ `_count` (one
  observation per rule evaluation, alert update included), per round of all
  N rules = `_sum` ÷ (evaluations ÷ N); for Prometheus
  `prometheus_rule_group_duration_seconds` `_sum` ÷ `_count` per round (its
  one group), ÷ N per rule evaluation (the delta of
  `prometheus_rule_evaluations_total` is the evaluation count; it also counts
  a round cut by the window's edge, which the duration summary does not).
- **Memory per series** is peak RSS (`VmHWM`, lifetime, warm-up included) and
  RSS at the window's end (`VmRSS`), divided by the series the system reports:
  `tocsin_series` (set when tocsin writes its series snapshot, every minute),
  `prometheus_tsdb_head_series`. Both hold every sample scraped since start
  (a run is shorter than tocsin's retention of 15 minutes, which it derives
  from the rules' 5m ranges, `for` and the lookback, and Prometheus keeps 2 h
  and more in its head), so they hold about the same samples per series; the
  notes give the samples held and tocsin's own store estimate
  (`tocsin_series_memory_bytes`). In production the two differ more:
  Prometheus' head keeps 2-3 h, tocsin only what its rules can read.
- **Probe**: N loopback HTTP targets (nginx, 2 workers, `return 200`, spread
  over 8 ports) probed every {iv} s with a 5 s timeout. tocsin runs `[[target]]`
  probes with `[daemon] max_concurrent_checks = 1024`; the peer is Prometheus
  scraping blackbox_exporter's `/probe?module=http_2xx&target=…` for each
  target (usual relabeling), and the CPU of **both** processes is counted.
  Probes are the window's delta of tocsin's
  `tocsin_probe_duration_seconds_count`, and for Prometheus the `up` samples
  stamped inside the window (`sum(count_over_time(up[WINDOW]))` at its end;
  `prometheus_target_interval_length_seconds_count` misses each target's
  first scrape). Scrapes of the page are counted the same two ways. The
  window starts after one interval of warm-up (every target probed once).
- **CPU** is the time each thread of the process ran, in nanoseconds: the
  first field of `/proc/PID/task/*/schedstat`, per thread between the
  window's edges (windows: {scrape_win} s for the scrapes, {probe_win} s for the
  probes). utime+stime of `/proc/PID/stat` (10 ms ticks; they also keep
  threads that ended) are in the JSON lines and the notes as a cross-check.
  **Peak RSS** is `VmHWM` at the window's end (for the probe peer the sum of
  both processes). Counters are read from each system's own `/metrics` just
  outside the window.
- **Lateness**: tocsin's p99 is interpolated from the window's delta of the
  `tocsin_scheduler_lateness_seconds` buckets (1, 5, 10, 50, 100, 500 ms, 1 s,
  5 s; "≤ 1 ms" means it fell in the first bucket, "≥" in the open top
  one). For Prometheus it is
  `prometheus_target_interval_length_seconds{{quantile="0.99"}}` minus the
  interval: the jitter of the actual scrape interval (a summary over its last
  10 minutes, warm-up included), the closest figure Prometheus exposes.
- **Scaling**: per work kind and system, the CPU per unit at each size is
  called linear when it stays within ±{LINEAR_BAND * 100:.0f}% of its median across sizes;
  "one core saturates at" is 1 ÷ (CPU seconds per unit) at the largest size
  measured: the rate of work that would keep one core busy.

Run {date}, `{a.mode}` mode, on {machine()}; {pk}; {tv}.

{only_table}{HEAD_SCRAPE}

{scrape_table(rows)}
{HEAD_PROBE}

{probe_table(rows)}
{summary(rows)}

Scaling ({", ".join(f"{x:g}×" for x in scales)} the work):

{scaling_table(sc)}
""" + (f"![Scaling: CPU per sample and per probe, memory per series, against size (log-log)]({png_rel})\n\n"
       if png_rel else "") + """Notes from the same run:

""" + "\n".join(f"- {n}" for n in notes(rows)) + """

Caveats: a shared 2-core VM, with other work possibly running (the busy-cores
line above shows the whole machine during each window); nginx and the
measuring script share the cores with the system under test, and rule
evaluation times are wall time, so they grow when the cores are busy.
tocsin evaluates each rule about twice per interval and Prometheus once, and
both figures of CPU per sample include that work. tocsin writes its series
snapshot every minute (`storage.snapshot_interval` default; the first one
whole, later ones appended); the notes say how many fell inside each window. Prometheus writes its WAL and head as
usual with default flags (no head compaction happens in a run this short).
Peak RSS of the Go processes depends on `GOGC` (default). Compare figures
taken in the same run only.
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
    ap.add_argument("--png", help="also draw the scaling chart (gnuplot) into this PNG")
    ap.add_argument("--command", default="bash bench/compare/run.sh --write-docs")
    ap.add_argument("--tocsin-bin", default="build-release/tocsin")
    ap.add_argument("--mode", default="full")
    ap.add_argument("--date", help="when the run ended (default: the last line's measured_at, else now)")
    a = ap.parse_args()
    with open(a.results) as fh:
        rows = with_ratios([json.loads(line) for line in fh if line.strip()])
    sc = scaling(rows)
    for r in rows:
        print(json.dumps(r))
    for x in sc:
        print(json.dumps({"scaling": x}))
    print()
    print(table(rows))
    print(scaling_table(sc))
    if a.png:
        with tempfile.TemporaryDirectory(prefix="scaling-chart.") as tmp:
            chart(rows, os.path.abspath(a.png), tmp)
    if a.write_docs:
        write_docs(a.write_docs, rows, a, sc)


if __name__ == "__main__":
    main()
