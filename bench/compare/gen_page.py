#!/usr/bin/env python3
"""Writes deterministic Prometheus text-format pages (version 0.0.4) with
exactly 100,000 samples: counters, gauges and histograms with the label
shapes of real services (service, handler, method, code, namespace, pod, ...).

--scale S writes the same families with the same label names at S times the
size (S = 0.1: 10,000 samples; S = 10: 1,000,000). Below 1 every family keeps
its first S-th of label sets (so its first services, instances, namespaces
whole, not a thinned copy of each); above 1 every family is repeated S times,
copy r renaming the entity a series belongs to (service "X" becomes "X-r",
namespace "N" becomes "N-r", instance "10.a.b.c" becomes "(10+r).a.b.c"), so a
selector for one service, handler or instance picks the same number of series
at every scale. Scale 1 is byte-identical to the page before --scale existed.

Several variants are written (page.0.txt, page.1.txt, ...): same series, but
counters and histogram buckets grow and gauges move from one variant to the
next, so a scraper that sees a different variant at every scrape ingests
changing values, as it would from a live target (identical values would
compress to almost nothing in both tocsin's and Prometheus' chunks).

Usage: gen_page.py OUT_DIR [--variants 3] [--scale 1]
"""
import argparse
import os
import random
import re

SERVICES = [f"{a}-{b}" for a in ("checkout", "cart", "search", "auth", "billing", "catalog", "orders", "ledger",
                                   "profile", "payments")
            for b in ("api", "worker", "gateway", "svc", "cron")]  # 50
HANDLERS = ["/", "/healthz", "/metrics", "/login", "/logout", "/api/v1/users", "/api/v1/users/{id}",
            "/api/v1/orders", "/api/v1/orders/{id}", "/api/v1/orders/{id}/items", "/api/v1/carts/{id}",
            "/api/v1/search", "/api/v1/products", "/api/v1/products/{id}", "/api/v1/payments",
            "/api/v1/payments/{id}/refund", "/api/v2/graphql", "/static/{path}", "/admin/settings",
            "/api/v1/invoices", "/api/v1/invoices/{id}", "/api/v1/sessions", "/api/v1/reports/{name}",
            "/api/v1/webhooks", "/api/v1/export"]  # 25
METHODS = ["GET", "POST", "PUT", "DELETE"]
CODES = ["200", "201", "404", "429", "500"]
GRPC_CODES = ["OK", "NotFound", "Unavailable", "DeadlineExceeded", "Internal"]
NAMESPACES = ["default", "kube-system", "monitoring", "payments", "storefront", "search", "identity", "data",
              "batch", "edge"]
LE_HTTP = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"]
LE_SIZE = ["100", "1000", "10000", "100000", "1e+06", "+Inf"]


def pod_name(rng_seed: int, service: str, i: int) -> str:
    h = (rng_seed * 2654435761 + i * 40503) & 0xFFFFFFFF
    return f"{service}-{h % 0xfffff:05x}{'abcdefghjk'[i % 10]}-{(h >> 7) % 100000:05d}"


def fmt(v: float) -> str:
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(float(f"{v:.6g}"))


class Family:
    def __init__(self, name, kind, help_text):
        self.name, self.kind, self.help = name, kind, help_text
        self.series = []  # label strings (without braces)


# The label that names the entity a series belongs to, per family: copies of
# a family (--scale above 1) rename it.
ENTITY = {"node_network_receive_bytes_total": "instance", "kube_pod_container_resource_requests": "namespace"}
SERVICE_RE = re.compile(r'(^|,)service="([^"]*)"')
NAMESPACE_RE = re.compile(r'^namespace="([^"]*)"')
INSTANCE_RE = re.compile(r'^instance="10\.')


def rename(fam, lbl, r):
    """Label string LBL of family FAM in copy R (R >= 1)."""
    what = ENTITY.get(fam.name, "service")
    if what == "service":
        out, n = SERVICE_RE.subn(lambda m: f'{m.group(1)}service="{m.group(2)}-{r}"', lbl, count=1)
    elif what == "namespace":
        out, n = NAMESPACE_RE.subn(lambda m: f'namespace="{m.group(1)}-{r}"', lbl, count=1)
    else:
        out, n = INSTANCE_RE.subn(f'instance="{10 + r}.', lbl, count=1)
    assert n == 1, (fam.name, lbl)
    return out


def scale_families(fams, scale):
    """The families at SCALE times their size (see the module's docstring)."""
    if scale == 1:
        return fams
    for f in fams:
        if scale < 1:
            n = len(f.series) * scale
            assert abs(n - round(n)) < 1e-6, (f.name, scale)
            f.series = f.series[:round(n)]
        else:
            assert scale == int(scale), "scales above 1 must be whole"
            base = f.series
            f.series = list(base)
            for r in range(1, int(scale)):
                f.series += [rename(f, lbl, r) for lbl in base]
    return fams


def build_families():
    fams = []
    # Histogram: 2,500 label sets x 14 lines = 35,000 samples.
    h1 = Family("http_request_duration_seconds", "histogram", "HTTP request latencies in seconds.")
    for s in SERVICES[:25]:
        for hi, h in enumerate(HANDLERS[:20]):
            for c in CODES:
                h1.series.append(f'service="{s}",handler="{h}",method="{METHODS[hi % 4]}",code="{c}"')
    fams.append(h1)
    # Histogram: 1,500 label sets x 8 lines = 12,000 samples.
    h2 = Family("rpc_response_size_bytes", "histogram", "Size of RPC responses in bytes.")
    for s in SERVICES[25:40]:
        for m in range(20):
            for c in GRPC_CODES:
                h2.series.append(f'service="{s}",grpc_method="/{s.split("-")[0]}.v1.Service/Method{m:02d}",'
                                 f'grpc_code="{c}"')
    fams.append(h2)
    # Counter: 50 x 25 x 4 x 4 = 20,000.
    c1 = Family("http_requests_total", "counter", "Total HTTP requests by service, handler, method and code.")
    for s in SERVICES:
        for h in HANDLERS:
            for m in METHODS:
                for c in CODES[:4]:
                    c1.series.append(f'service="{s}",handler="{h}",method="{m}",code="{c}"')
    fams.append(c1)
    # Counter: 20 x 80 x 5 = 8,000.
    c2 = Family("grpc_server_handled_total", "counter", "Total RPCs completed on the server, regardless of success.")
    for s in SERVICES[:20]:
        for m in range(80):
            for c in GRPC_CODES:
                c2.series.append(f'grpc_service="{s.split("-")[0]}.v1.Service",grpc_method="Method{m:02d}",'
                                 f'grpc_type="unary",grpc_code="{c}",service="{s}"')
    fams.append(c2)
    # Counter: 250 instances x 20 devices = 5,000.
    c3 = Family("node_network_receive_bytes_total", "counter", "Network device statistic receive_bytes.")
    for i in range(250):
        for d in range(20):
            dev = f"eth{d}" if d < 4 else (f"veth{(i * 31 + d) % 65536:04x}" if d < 16 else f"cali{d:02d}{i:04d}")
            c3.series.append(f'instance="10.{i // 64}.{i % 64}.{(i * 7) % 250 + 1}:9100",job="node",device="{dev}"')
    fams.append(c3)
    # Gauge: 10 namespaces x 300 pods x 2 containers x 2 resources = 12,000.
    g1 = Family("kube_pod_container_resource_requests", "gauge",
                "The number of requested request resource by a container.")
    for ni, ns in enumerate(NAMESPACES):
        for p in range(300):
            svc = SERVICES[(ni * 300 + p) % 50]
            pod = pod_name(ni, svc, p)
            for ct in ("app", "istio-proxy"):
                g1.series.append(f'namespace="{ns}",pod="{pod}",container="{ct}",node="node-{p % 40:02d}",'
                                 f'resource="cpu",unit="core"')
                g1.series.append(f'namespace="{ns}",pod="{pod}",container="{ct}",node="node-{p % 40:02d}",'
                                 f'resource="memory",unit="byte"')
    fams.append(g1)
    # Gauge: 50 x 20 x 5 = 5,000.
    g2 = Family("queue_depth", "gauge", "Messages waiting in a queue partition.")
    for s in SERVICES:
        for q in range(20):
            for part in range(5):
                g2.series.append(f'service="{s}",queue="{s.split("-")[0]}.events.{q:02d}",partition="{part}"')
    fams.append(g2)
    # Gauge: 30 x 100 = 3,000.
    g3 = Family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.")
    for s in SERVICES[:30]:
        for p in range(100):
            g3.series.append(f'service="{s}",pod="{pod_name(7, s, p)}"')
    fams.append(g3)
    return fams


def write_variant(path, fams, variant):
    base = random.Random(20240601)       # shared by all variants: starting values and rates
    move = random.Random(1000 + variant)  # gauges wander differently in each variant
    out = []
    samples = 0
    size = 0
    tmp = path + ".tmp"
    with open(tmp, "wb") as fh:
        def flush(limit):  # large buffered writes: a 1M-sample page is about 125 MB
            nonlocal size
            if len(out) >= limit:
                size += fh.write("".join(out).encode())
                out.clear()

        for f in fams:
            out.append(f"# HELP {f.name} {f.help}\n# TYPE {f.name} {f.kind}\n")
            if f.kind == "histogram":
                les = LE_HTTP if f.name.startswith("http_") else LE_SIZE
                for lbl in f.series:
                    cum = 0
                    total = 0.0
                    for le in les:
                        if le != "+Inf":
                            b0, rate = base.randint(0, 5000), base.randint(0, 40)
                            cum += b0 + variant * rate
                        out.append(f'{f.name}_bucket{{{lbl},le="{le}"}} {cum}\n')
                    total = cum * (0.05 + base.random() * 0.2) + variant * 1.7
                    out.append(f"{f.name}_sum{{{lbl}}} {fmt(total)}\n")
                    out.append(f"{f.name}_count{{{lbl}}} {cum}\n")
                    samples += len(les) + 2
                    flush(65536)
            elif f.kind == "counter":
                for lbl in f.series:
                    b0, rate = base.randint(0, 10**9), base.randint(0, 5000)
                    out.append(f"{f.name}{{{lbl}}} {b0 + variant * rate}\n")
                    samples += 1
                    flush(65536)
            else:
                for lbl in f.series:
                    b0 = base.random()
                    if f.name.startswith("kube_"):
                        v = round(b0 * 4, 3) if 'resource="cpu"' in lbl else float(int(b0 * 8 * 2**30))
                        v = v if move.random() < 0.9 else v * 2
                    elif f.name == "queue_depth":
                        v = float(int(b0 * 1000 * move.random()))
                    else:
                        v = float(int((b0 * 2 + move.random()) * 2**28))
                    out.append(f"{f.name}{{{lbl}}} {fmt(v)}\n")
                    samples += 1
                    flush(65536)
        flush(0)
    os.replace(tmp, path)
    return samples, size


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--variants", type=int, default=3)
    ap.add_argument("--scale", type=float, default=1.0, help="0.1 (10k samples), 1 (100k), 10 (1M), ...")
    a = ap.parse_args()
    fams = scale_families(build_families(), a.scale)
    for f in fams:
        assert len(set(f.series)) == len(f.series), f.name
    os.makedirs(a.out_dir, exist_ok=True)
    for v in range(a.variants):
        samples, size = write_variant(os.path.join(a.out_dir, f"page.{v}.txt"), fams, v)
        assert samples == round(100_000 * a.scale), samples
    print(f"{samples} samples, {size} bytes per page, {a.variants} variants")


if __name__ == "__main__":
    main()
