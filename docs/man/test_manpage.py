#!/usr/bin/env python3
"""ctest `manpage` (label unit): checks the generated tocsin(1).

- every command and subcommand the binary lists (gen_manpage.py
  --list-commands) has its own subsection, and every long option of its
  --help appears in it;
- the page is plain ASCII troff with the sections the page promises;
- `man --warnings -l` renders it without a warning (man-db), and so does
  `groff -man -Tutf8 -ww -z`. Without either tool the test is skipped (77).

    test_manpage.py --binary build/tocsin --generator docs/man/gen_manpage.py --page build/tocsin.1.gz
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shutil
import subprocess
import sys

SECTIONS = ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS", "FILES", "ENVIRONMENT", "EXIT STATUS",
            "SEE ALSO"]


def troff_escape(text: str) -> str:
    return text.replace("\\", "\\e").replace("-", "\\-")


def long_options(binary: str, path: list[str]) -> set[str]:
    out = subprocess.run(["tocsin"] + path + ["--help"], executable=binary, stdout=subprocess.PIPE,
                         text=True, check=True, env=dict(os.environ, LC_ALL="C")).stdout
    options = set()
    in_options = False
    for line in out.splitlines():
        if line and not line.startswith(" "):
            in_options = line.rstrip().endswith(":") and line.startswith("Options")
            continue
        m = re.match(r"  (\S+)", line)
        if in_options and m:
            options.update(n for n in m.group(1).split(",") if n.startswith("--"))
    options.discard("--help")
    return options


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--binary", required=True)
    p.add_argument("--generator", required=True)
    p.add_argument("--page", required=True)
    args = p.parse_args()

    failures: list[str] = []
    with open(args.page, "rb") as f:
        raw = f.read()
    if args.page.endswith(".gz"):
        # gzip -n: no file name, no time stamp (reproducible builds).
        if raw[4:8] != b"\0\0\0\0" or raw[3] & 0x08:
            failures.append("tocsin.1.gz carries a time stamp or file name (not gzip -n)")
        raw = gzip.decompress(raw)
    try:
        page = raw.decode("ascii")
    except UnicodeDecodeError as e:
        print(f"FAIL: the page is not ASCII: {e}")
        return 1

    headings = re.findall(r'^\.SH "?([^"\n]+)"?$', page, re.M)
    if headings != SECTIONS:
        failures.append(f"sections {headings}, expected {SECTIONS}")

    listed = subprocess.run([sys.executable, args.generator, "--binary", args.binary, "--list-commands"],
                            stdout=subprocess.PIPE, text=True, check=True).stdout.split("\n")
    commands = [c.split(" ") for c in listed if c]
    if len(commands) < 10:
        failures.append(f"only {len(commands)} commands found: {commands}")
    subsections = re.split(r'^\.SS ', page, flags=re.M)
    by_name = {}
    for s in subsections[1:]:
        title, _, body = s.partition("\n")
        by_name[title.strip('"')] = body
    for path in commands:
        name = troff_escape(" ".join(["tocsin"] + path))
        body = by_name.get(name)
        if body is None:
            failures.append(f"no subsection for 'tocsin {' '.join(path)}'")
            continue
        for option in sorted(long_options(args.binary, path)):
            if f"\\fB{troff_escape(option)}\\fR" not in body:
                failures.append(f"'tocsin {' '.join(path)}': option {option} is missing")
    for name in ["TOCSIN_TOKEN", "STATE_DIRECTORY", "CREDENTIALS_DIRECTORY", "NOTIFY_SOCKET"]:
        if f".B {name}\n" not in page:
            failures.append(f"ENVIRONMENT does not describe {name}")

    checked = False
    env = dict(os.environ, LC_ALL="C.UTF-8", MANPAGER="cat", PAGER="cat", MANWIDTH="80")
    if shutil.which("man"):
        checked = True
        r = subprocess.run(["man", "--warnings", "-l", args.page], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        if r.returncode != 0 or r.stderr.strip():
            failures.append(f"man --warnings -l exited {r.returncode}:\n{r.stderr}")
        if "tocsin incident ack" not in r.stdout:
            failures.append("man's rendering lacks 'tocsin incident ack'")
    if shutil.which("groff"):
        checked = True
        r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z"], input=page, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0 or r.stderr.strip():
            failures.append(f"groff -man -Tutf8 -ww exited {r.returncode}:\n{r.stderr}")

    for f in failures:
        print("FAIL:", f)
    if failures:
        return 1
    if not checked:
        print("SKIP: neither man nor groff is installed; the page's text was checked, not its rendering")
        return 77
    print(f"ok: {len(commands)} commands, all options, rendered without warnings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
