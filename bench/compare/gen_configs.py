#!/usr/bin/env python3
"""Writes the configuration files of one comparison run into a temp dir.

  gen_configs.py nginx      --dir D --page-port P --target-ports P1,P2,... --www W
  gen_configs.py tocsin     --dir D --scenario scrape|probe --api-port P [--page-port P --page-path /X/metrics]
                            [--rules N --scale S] [--target-ports ... --targets N] --interval S --timeout S
                            --max-concurrent N
  gen_configs.py prometheus --dir D --scenario scrape|probe [--page-port P --page-path /X/metrics]
                            [--rules N --scale S] [--blackbox-port P] [--target-ports ... --targets N]
                            --interval S --timeout S
  gen_configs.py blackbox   --dir D --timeout S
  gen_configs.py rules      --rules N --scale S [--format tocsin|prometheus|list]

With --rules 0 (the scrape-only scenario) neither system gets a rule: tocsin
no [[rule]] (still `[storage] keep_unmatched = true`), Prometheus no rule_files.

Rules (--rules N over the page of gen_page.py --scale S) are the same N
alerting rules for both systems, all with `for: 5m`: a deterministic mix of
error ratios (per service, per handler, per handler prefix with a regex
matcher; http_requests_total has codes 200/201/404/429 only, so the error
codes are `code=~"429|5.."`), p99 latency from the histogram, queue depth,
per-node CPU and memory requests by namespace, network receive rate, gRPC
error ratio and process memory, each over entities (services, handlers,
instances, namespaces) that exist on the page. Thresholds are such that
(almost) nothing is pending or firing, so both systems do steady-state
evaluation work. A selector picks the same number of series at every scale.

Probe target i is http://127.0.0.1:PORT/t/NNNNN with PORT = target_ports[i % len]:
spreading 1,000 new connections a second over several listening ports keeps
the loopback 4-tuples (and TIME_WAIT sockets) of one port far from exhaustion.
"""
import argparse
import os
import re

import gen_page

# (template, weight, thresholds): the share of the N rules each template gets.
HANDLER_PREFIXES = ["/api/v1/orders.*", "/api/v1/users.*", "/api/v1/payments.*", "/api/v1/invoices.*",
                    "/api/v1/products.*", "/api/v2/.*", "/static/.*", "/admin/.*"]
WEIGHTS = [("HttpErrorRatio", 0.05), ("HandlerErrorRatio", 0.20), ("HandlerGroupErrorRatio", 0.10),
           ("HandlerLatencyP99", 0.25), ("QueueBacklog", 0.15), ("NodeRequests", 0.05),
           ("NetworkReceive", 0.10), ("GrpcErrorRatio", 0.05), ("ProcessMemory", 0.05)]
SPARE = ["HandlerErrorRatio", "HandlerLatencyP99", "QueueBacklog", "NetworkReceive"]  # take what others lack
LABEL_RE = {k: re.compile(r'(?:^|,)' + k + r'="([^"]*)"') for k in
            ("service", "handler", "queue", "namespace", "resource", "container", "instance", "grpc_method")}
ERR = '"429|5.."'


def _distinct(fam, *labels):
    seen = {}
    for lbl in fam.series:
        seen.setdefault(tuple(LABEL_RE[k].search(lbl).group(1) for k in labels), None)
    return list(seen)


def _instances(scale):
    """{template: [label values of each rule it can have]} over the page at SCALE."""
    fams = {f.name: f for f in gen_page.scale_families(gen_page.build_families(), scale)}
    http = fams["http_requests_total"]
    services = [s for (s,) in _distinct(http, "service")]
    return {
        "HttpErrorRatio": [(s,) for s in services],
        "HandlerErrorRatio": _distinct(http, "service", "handler"),
        "HandlerGroupErrorRatio": [(s, p) for s in services for p in HANDLER_PREFIXES],
        "HandlerLatencyP99": _distinct(fams["http_request_duration_seconds"], "service", "handler"),
        "QueueBacklog": _distinct(fams["queue_depth"], "service", "queue"),
        "NodeRequests": _distinct(fams["kube_pod_container_resource_requests"], "namespace", "resource", "container"),
        "NetworkReceive": _distinct(fams["node_network_receive_bytes_total"], "instance"),
        "GrpcErrorRatio": _distinct(fams["grpc_server_handled_total"], "service", "grpc_method"),
        "ProcessMemory": _distinct(fams["process_resident_memory_bytes"], "service"),
    }


def _expr(t, v):
    if t == "HttpErrorRatio":
        s = f'service="{v[0]}"'
        return (f'sum(rate(http_requests_total{{{s},code=~{ERR}}}[5m])) / '
                f'sum(rate(http_requests_total{{{s}}}[5m])) > 0.9')
    if t in ("HandlerErrorRatio", "HandlerGroupErrorRatio"):
        op = "=" if t == "HandlerErrorRatio" else "=~"
        s = f'service="{v[0]}",handler{op}"{v[1]}"'
        return (f'sum(rate(http_requests_total{{{s},code=~{ERR}}}[5m])) / '
                f'sum(rate(http_requests_total{{{s}}}[5m])) > 0.9')
    if t == "HandlerLatencyP99":
        return (f'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket'
                f'{{service="{v[0]}",handler="{v[1]}"}}[5m]))) > 15')
    if t == "QueueBacklog":
        return f'queue_depth{{service="{v[0]}",queue="{v[1]}"}} > 1e6'
    if t == "NodeRequests":
        limit = "1e6" if v[1] == "cpu" else "1e15"
        return (f'sum by (node) (kube_pod_container_resource_requests{{namespace="{v[0]}",resource="{v[1]}",'
                f'container="{v[2]}"}}) > {limit}')
    if t == "NetworkReceive":
        return f'rate(node_network_receive_bytes_total{{instance="{v[0]}"}}[5m]) > 1e12'
    if t == "GrpcErrorRatio":
        s = f'service="{v[0]}",grpc_method="{v[1]}"'
        return (f'sum(rate(grpc_server_handled_total{{{s},grpc_code!="OK"}}[5m])) / '
                f'sum(rate(grpc_server_handled_total{{{s}}}[5m])) > 0.99')
    if t == "ProcessMemory":
        return f'max(process_resident_memory_bytes{{service="{v[0]}"}}) > 1e12'
    raise ValueError(t)


def make_rules(n, scale):
    """[(name, expr)]: N deterministic rules over the page of gen_page.py --scale SCALE."""
    inst = _instances(scale)
    want = {t: min(round(w * n), len(inst[t])) for t, w in WEIGHTS}
    short = n - sum(want.values())
    for t in SPARE * 4:
        if short <= 0:
            break
        add = min(short, len(inst[t]) - want[t])
        want[t] += add
        short -= add
    while short < 0:  # rounding gave one too many
        t = max(want, key=want.get)
        want[t] -= 1
        short += 1
    assert short == 0, "the page has too few entities for this many rules"
    out = []
    for t, _ in WEIGHTS:
        avail = inst[t]
        for j in range(want[t]):
            v = avail[j * len(avail) // want[t]]  # spread evenly over the page's entities
            out.append((f"{t}_{j:05d}", _expr(t, v)))
    return out


def toml_str(s):
    assert "'" not in s and "\n" not in s
    return "'" + s + "'"


def target_urls(ports, n):
    return [f"http://127.0.0.1:{ports[i % len(ports)]}/t/{i:05d}" for i in range(n)]


def write(path, text):
    with open(path, "w") as fh:
        fh.write(text)
    return path


def nginx(a):
    tmp = os.path.join(a.dir, "nginx-tmp")
    os.makedirs(tmp, exist_ok=True)
    listens = "\n".join(f"        listen 127.0.0.1:{p} backlog=4096;" for p in a.target_ports)
    conf = f"""# nginx for the tocsin comparison: loopback only, foreground, no access log.
daemon off;
master_process on;
worker_processes 2;
worker_rlimit_nofile 16384;
pid {a.dir}/nginx.pid;
error_log {a.dir}/nginx-error.log warn;
events {{
    worker_connections 8192;
}}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 100000;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    # The pages: /SIZE/metrics is WWW/SIZE/metrics.txt, a symlink to one of
    # that size's page variants (10k, 100k, 1m samples).
    server {{
        listen 127.0.0.1:{a.page_port} backlog=4096;
        location ~ ^/(?<size>[0-9a-z]+)/metrics$ {{
            types {{ }}
            default_type "text/plain; version=0.0.4";
            alias {a.www}/$size/metrics.txt;
        }}
    }}
    # Probe targets: 200 "ok" for every path.
    server {{
{listens}
        location / {{
            types {{ }}
            default_type text/plain;
            return 200 "ok\\n";
        }}
    }}
}}
"""
    print(write(os.path.join(a.dir, "nginx.conf"), conf))


def tocsin(a):
    state = os.path.join(a.dir, f"tocsin-state-{a.name}")
    lines = [
        "# tocsin for the comparison run (generated by bench/compare/gen_configs.py)",
        "[daemon]",
        f'state_dir = "{state}"',
        f"max_concurrent_checks = {a.max_concurrent}",
        "",
        "[log]",
        'level = "info"',
        'format = "text"',
        "",
        "[api]",
        f'listen = "127.0.0.1:{a.api_port}"',
        "",
    ]
    if a.scenario == "scrape":
        lines += [
            "[[scrape]]",
            'job = "page"',
            f'url = "http://127.0.0.1:{a.page_port}{a.page_path}"',
            f'interval = "{a.interval}s"',
            f'timeout = "{a.timeout}s"',
            'body_size_limit = "1GiB"',  # a 1M-sample page is 125 MB; the default 64 MiB would refuse it
            "",
        ]
        lines += [
            "[storage]",
            # Keep every scraped series, as Prometheus does, so both store the same series;
            # the default (false) would store only what some rule selector can read. With no
            # rules (scrape-only) tocsin keeps everything anyway; the line makes that explicit.
            "keep_unmatched = true",
            "",
        ]
        if a.rules:
            lines += [
                "[rules]",
                f'evaluation_interval = "{a.interval}s"',
                "",
            ]
            for name, expr in make_rules(a.rules, a.scale):
                lines += ["[[rule]]", f'name = "{name}"', f"expr = {toml_str(expr)}", 'for = "5m"', ""]
    else:
        for i, url in enumerate(target_urls(a.target_ports, a.targets)):
            lines += [
                "[[target]]",
                f'name = "t{i:05d}"',
                f'url = "{url}"',
                f'interval = "{a.interval}s"',
                f'timeout = "{a.timeout}s"',
                "",
            ]
    print(write(os.path.join(a.dir, f"tocsin-{a.name}.toml"), "\n".join(lines)))


def prometheus(a):
    out = [
        "# Prometheus for the comparison run (generated by bench/compare/gen_configs.py).",
        "# No self-scrape job: only the workload under test is scraped.",
        "global:",
        f"  scrape_interval: {a.interval}s",
        f"  scrape_timeout: {a.timeout}s",
        f"  evaluation_interval: {a.interval}s",
        "scrape_configs:",
    ]
    if a.scenario == "scrape":
        if a.rules:
            rf = write(os.path.join(a.dir, f"prometheus-rules-{a.name}.yml"), prometheus_rules(a.rules, a.scale))
            out[-1:-1] = ["rule_files:", f"  - {rf}"]
        out += [
            "  - job_name: page",
            f"    metrics_path: {a.page_path}",
            "    static_configs:",
            f"      - targets: ['127.0.0.1:{a.page_port}']",
        ]
    else:
        out += [
            "  - job_name: blackbox",
            "    metrics_path: /probe",
            "    params:",
            "      module: [http_2xx]",
            "    static_configs:",
            "      - targets:",
        ]
        out += [f"          - {u}" for u in target_urls(a.target_ports, a.targets)]
        out += [
            "    relabel_configs:",
            "      - source_labels: [__address__]",
            "        target_label: __param_target",
            "      - source_labels: [__param_target]",
            "        target_label: instance",
            "      - target_label: __address__",
            f"        replacement: 127.0.0.1:{a.blackbox_port}",
        ]
    print(write(os.path.join(a.dir, f"prometheus-{a.name}.yml"), "\n".join(out) + "\n"))


def prometheus_rules(n, scale):
    out = ["# generated by bench/compare/gen_configs.py: the same rules as tocsin's [[rule]]", "groups:",
           "  - name: bench", "    rules:"]
    for name, expr in make_rules(n, scale):
        out += [f"      - alert: {name}", f"        expr: {toml_str(expr)}", "        for: 5m"]
    return "\n".join(out) + "\n"


def rules_cmd(a):
    if a.format == "prometheus":
        print(prometheus_rules(a.rules, a.scale), end="")
        return
    for name, expr in make_rules(a.rules, a.scale):
        print(f"{name}\t{expr}" if a.format == "list" else
              f'[[rule]]\nname = "{name}"\nexpr = {toml_str(expr)}\nfor = "5m"\n')


def blackbox(a):
    conf = f"""modules:
  http_2xx:
    prober: http
    timeout: {a.timeout}s
    http:
      preferred_ip_protocol: ip4
"""
    print(write(os.path.join(a.dir, "blackbox.yml"), conf))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["nginx", "tocsin", "prometheus", "blackbox", "rules"])
    ap.add_argument("--dir", default=".")
    ap.add_argument("--name", default="run")
    ap.add_argument("--www")
    ap.add_argument("--scenario", choices=["scrape", "probe"])
    ap.add_argument("--page-port", type=int)
    ap.add_argument("--page-path", default="/metrics")
    ap.add_argument("--rules", type=int, default=0, help="alerting rules over the page (scrape scenarios)")
    ap.add_argument("--scale", type=float, default=1.0, help="the page's scale (gen_page.py --scale)")
    ap.add_argument("--format", choices=["tocsin", "prometheus", "list"], default="list")
    ap.add_argument("--api-port", type=int)
    ap.add_argument("--blackbox-port", type=int)
    ap.add_argument("--target-ports", type=lambda s: [int(x) for x in s.split(",")], default=[])
    ap.add_argument("--targets", type=int, default=0)
    ap.add_argument("--interval", type=int, default=10)
    ap.add_argument("--timeout", type=int, default=5)
    ap.add_argument("--max-concurrent", type=int, default=1024)
    a = ap.parse_args()
    {"nginx": nginx, "tocsin": tocsin, "prometheus": prometheus, "blackbox": blackbox, "rules": rules_cmd}[a.what](a)


if __name__ == "__main__":
    main()
