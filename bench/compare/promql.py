#!/usr/bin/env python3
"""Measuring and reporting half of bench/compare/promql.sh.

  promql.py prometheus --api URL --queries FILE --repeat N --warmup N --out FILE
      times each query of FILE (JSON lines from `tocsin_promql_compare queries`)
      through Prometheus' /api/v1/query with stats=all; appends one JSON line per
      query with the medians of timings.evalTotalTime, execTotalTime and the
      wall time of the HTTP request (response fully read).
  promql.py report RESULTS [--write-docs FILE --command CMD --tocsin-rev REV]
      pairs tocsin's and Prometheus' lines, prints the table, and optionally
      rewrites the generated block of "## PromQL evaluation" in docs/benchmarks.md.
"""
import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request

BEGIN = "<!-- promql-compare:begin (written by bench/compare/promql.sh --write-docs) -->"
END = "<!-- promql-compare:end -->"


def log(msg):
    print(f"[promql.py {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr)


def query(api, expr, at):
    url = api + "/api/v1/query?" + urllib.parse.urlencode({"query": expr, "time": f"{at:.3f}", "stats": "all"})
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=300) as r:
        body = r.read()
    wall = time.perf_counter() - t0
    doc = json.loads(body)
    if doc.get("status") != "success":
        sys.exit(f"query failed: {expr}: {doc}")
    return doc["data"], wall


def summary(result):
    """Result size, and the values of small results (to check both systems agree)."""
    values = {}
    if len(result) <= 20:
        for r in result:
            key = ",".join(f"{k}={v}" for k, v in sorted(r["metric"].items()))
            values[key] = float(r["value"][1])
    return len(result), values


def cmd_prometheus(a):
    with open(a.queries) as fh:
        queries = [json.loads(line) for line in fh if line.strip()]
    with open(a.out, "a") as out:
        for q in queries:
            evals, execs, walls = [], [], []
            n, values, samples = 0, {}, None
            for i in range(a.warmup + a.repeat):
                data, wall = query(a.api, q["expr"], q["time"])
                if i < a.warmup:
                    continue
                t = data["stats"]["timings"]
                evals.append(t["evalTotalTime"])
                execs.append(t["execTotalTime"])
                walls.append(wall)
                n, values = summary(data["result"])
                samples = data["stats"].get("samples", {}).get("totalQueryableSamples")
            row = {"system": "prometheus", "name": q["name"], "expr": q["expr"], "series": q["series"],
                   "result_series": n, "repeat": a.repeat,
                   "eval_seconds_median": statistics.median(evals), "eval_seconds_min": min(evals),
                   "exec_seconds_median": statistics.median(execs), "wall_seconds_median": statistics.median(walls),
                   "total_queryable_samples": samples, "values": values}
            out.write(json.dumps(row) + "\n")
            log(f"prometheus {q['name']}: eval {row['eval_seconds_median'] * 1e3:.1f} ms, "
                f"wall {row['wall_seconds_median'] * 1e3:.1f} ms, {n} series")


# ---------------------------------------------------------------- report

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
    with open("/proc/meminfo") as fh:
        mem = int(fh.readline().split()[1]) // (1024 * 1024)
    debian = open("/etc/debian_version").read().strip() if os.path.exists("/etc/debian_version") else "?"
    return f"{os.cpu_count()} vCPUs \"{model}\", {mem} GiB, Debian {debian}, Linux {platform.release()}"


GOALS = {
    "rate_gt_half": lambda t, p: ("≤ 1 µs/series: " + ("met" if t["us"] <= 1.0 else "NOT met")),
    "histogram_quantile": lambda t, p: ("well under Prometheus: " + ("met" if p["eval_seconds_median"] >=
                                                                     3 * t["eval_seconds_median"] else "NOT met")),
}


def agree(t, p):
    if t["result_series"] != p["result_series"]:
        return f"NO ({t['result_series']} vs {p['result_series']} series)"
    tv, pv = t.get("values") or {}, p.get("values") or {}
    if tv and pv:
        for k, v in pv.items():
            if k not in tv or abs(tv[k] - v) > 1e-9 * max(1.0, abs(v)):
                return f"NO (value of {{{k}}})"
        return "yes (values)"
    return "yes (series count)"


def pairs(rows):
    by = {}
    for r in rows:
        by.setdefault(r["name"], {})[r["system"]] = r
    out = []
    for name, d in by.items():
        if "tocsin" in d and "prometheus" in d:
            t, p = d["tocsin"], d["prometheus"]
            t["us"] = t["eval_seconds_median"] * 1e6 / t["series"]
            p["us"] = p["eval_seconds_median"] * 1e6 / p["series"]
            out.append((name, t, p))
    return out


def table(rows):
    lines = ["| query | series in | series out | tocsin | per series | tocsin CPU | Prometheus eval | per series | "
             "Prometheus HTTP wall | ratio (Prometheus eval ÷ tocsin) | same result | goal |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for name, t, p in pairs(rows):
        goal = GOALS[name](t, p) if name in GOALS else ""
        lines.append(f"| `{t['expr']}` | {t['series']:,} | {t['result_series']:,} | "
                     f"{t['eval_seconds_median'] * 1e3:.1f} ms | {t['us']:.2f} µs | "
                     f"{t.get('cpu_seconds_median', float('nan')) * 1e3:.1f} ms | "
                     f"{p['eval_seconds_median'] * 1e3:.1f} ms | {p['us']:.2f} µs | "
                     f"{p['wall_seconds_median'] * 1e3:.0f} ms | **{p['eval_seconds_median'] / t['eval_seconds_median']:.1f}×** | "
                     f"{agree(t, p)} | {goal} |")
    return "\n".join(lines)


def write_docs(path, rows, a):
    pk = sh(["dpkg-query", "-W", "-f=${Package} ${Version}", "prometheus"])
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    repeat = rows[0].get("repeat", "?") if rows else "?"
    block = f"""{BEGIN}
Run {when} on {machine()}; {pk}; tocsin {a.tocsin_rev} (GCC {sh(['gcc', '-dumpfullversion'])}, Release); load average before the run {a.load}.
Medians of {repeat} evaluations each, after warm-up evaluations:

```sh
{a.command}
```

{table(rows)}
{END}"""
    with open(path) as fh:
        text = fh.read()
    if BEGIN.split(" (")[0] in text and END in text:
        start = text.index(BEGIN.split(" (")[0])
        end = text.index(END) + len(END)
        text = text[:start] + block + text[end:]
    else:
        text = text.rstrip("\n") + "\n\n## PromQL evaluation\n\n" + block + "\n"
    with open(path + ".tmp", "w") as fh:
        fh.write(text)
    os.replace(path + ".tmp", path)
    log(f"wrote the generated block of \"PromQL evaluation\" in {path}")


def cmd_report(a):
    with open(a.results) as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    for name, t, p in pairs(rows):
        print(json.dumps({"name": name, "tocsin_seconds": t["eval_seconds_median"],
                          "prometheus_eval_seconds": p["eval_seconds_median"],
                          "prometheus_wall_seconds": p["wall_seconds_median"],
                          "ratio": p["eval_seconds_median"] / t["eval_seconds_median"],
                          "tocsin_us_per_series": t["us"], "prometheus_us_per_series": p["us"],
                          "same_result": agree(t, p)}))
    print()
    print(table(rows))
    if a.write_docs:
        write_docs(a.write_docs, rows, a)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("prometheus")
    s.add_argument("--api", required=True)
    s.add_argument("--queries", required=True)
    s.add_argument("--repeat", type=int, default=15)
    s.add_argument("--warmup", type=int, default=3)
    s.add_argument("--out", required=True)
    s = sub.add_parser("report")
    s.add_argument("results")
    s.add_argument("--write-docs")
    s.add_argument("--command", default="bash bench/compare/promql.sh --write-docs")
    s.add_argument("--tocsin-rev", default="?")
    s.add_argument("--load", default="?")
    a = ap.parse_args()
    {"prometheus": cmd_prometheus, "report": cmd_report}[a.cmd](a)


if __name__ == "__main__":
    main()
