#!/usr/bin/env python3
"""Writes tocsin(1) from the built binary's own --help output.

Every command and subcommand is found by walking the "Subcommands:" lists of
`tocsin --help`, `tocsin incident --help`, ... so the page cannot drift from
the CLI11 definitions in src/app. The exit statuses come from
include/tocsin/core/exit_code.hpp. The only date on the page is
SOURCE_DATE_EPOCH's (UTC) when it is set; otherwise the page is dated by the
project version alone, so two builds of one version give identical bytes.

    gen_manpage.py --binary build/tocsin --exit-codes include/tocsin/core/exit_code.hpp \
        --output build/tocsin.1 [--version 0.1.0]

--list-commands prints the command paths found ("incident ack", one a line)
and writes nothing; the page's test uses it.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field

PROGRAM = "tocsin"


# ---- Reading CLI11's help ------------------------------------------------

@dataclass
class Item:
    """One entry of a "Positionals:", "Options:" or "Subcommands:" list."""
    head: str          # "-c,--config TEXT=/etc/tocsin/tocsin.toml", "id ID REQUIRED", "ack"
    text: list[str]    # the description's lines


@dataclass
class Help:
    description: list[str]
    usage: str                                   # without "Usage: "
    sections: list[tuple[str, list[Item]]]       # in the order printed

    def section(self, name: str) -> list[Item]:
        for title, items in self.sections:
            if title == name:
                return items
        return []


@dataclass
class Command:
    path: list[str]                              # [] for tocsin itself
    help: Help
    children: list["Command"] = field(default_factory=list)

    @property
    def name(self) -> str:
        return " ".join([PROGRAM] + self.path)


def run_help(binary: str, path: list[str]) -> str:
    # argv[0] is "tocsin", so "Usage:" names the program, not the build path.
    env = dict(os.environ, LC_ALL="C", COLUMNS="200")
    # An ASan build (TOCSIN_SANITIZE) must not fail the page over a leak report.
    env.setdefault("ASAN_OPTIONS", "detect_leaks=0")
    proc = subprocess.run([PROGRAM] + path + ["--help"], executable=binary, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"gen_manpage: '{' '.join([binary] + path)} --help' exited {proc.returncode}: {proc.stderr.strip()}")
    return proc.stdout


def parse_help(text: str, where: str) -> Help:
    lines = text.rstrip("\n").split("\n")
    description: list[str] = []
    i = 0
    while i < len(lines) and not lines[i].startswith("Usage: "):
        description.append(lines[i].strip())
        i += 1
    if i == len(lines):
        sys.exit(f"gen_manpage: no 'Usage:' line in the help of {where}")
    usage = lines[i][len("Usage: "):].strip()
    # However the binary was started, the page names it "tocsin".
    first, _, rest = usage.partition(" ")
    usage = " ".join(filter(None, [PROGRAM if os.path.basename(first) == PROGRAM else first, rest]))
    sections: list[tuple[str, list[Item]]] = []
    items: list[Item] | None = None
    for line in lines[i + 1:]:
        if not line.strip():
            continue
        if not line.startswith(" ") and line.rstrip().endswith(":"):
            items = []
            sections.append((line.rstrip()[:-1], items))
        elif items is None:
            # A footer or text CLI11 printed outside a list: part of the description.
            description.append(line.strip())
        elif re.match(r"  \S", line):
            # CLI11 separates the name column from the description by two or
            # more spaces, or puts the description on the next line.
            head, _, desc = line.strip().partition("  ")
            items.append(Item(head.strip(), [desc.strip()] if desc.strip() else []))
        elif items:
            items[-1].text.append(line.strip())
        else:
            sys.exit(f"gen_manpage: unexpected line in the help of {where}: {line!r}")
    return Help([d for d in description if d], usage, sections)


def walk(binary: str, path: list[str]) -> Command:
    where = " ".join([PROGRAM] + path)
    command = Command(path, parse_help(run_help(binary, path), where))
    for item in command.help.section("Subcommands"):
        name = item.head.split()[0]
        command.children.append(walk(binary, path + [name]))
    return command


def all_commands(root: Command) -> list[Command]:
    out = [root]
    for child in root.children:
        out.extend(all_commands(child))
    return out


# ---- troff ------------------------------------------------------------------

def esc(text: str) -> str:
    """Text for troff: backslashes and hyphens escaped, non-ASCII as \\[uXXXX]."""
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\e")
        elif ch == "-":
            out.append("\\-")
        elif ord(ch) > 126 or (ord(ch) < 32 and ch != "\t"):
            out.append(f"\\[u{ord(ch):04X}]" if ord(ch) > 126 else "")
        else:
            out.append(ch)
    return "".join(out)


def line(text: str) -> str:
    """One line of input text: a leading '.' or "'" would be a request."""
    return "\\&" + text if text[:1] in (".", "'") else text


def bold(text: str) -> str:
    return f"\\fB{esc(text)}\\fR"


def italic(text: str) -> str:
    return f"\\fI{esc(text)}\\fR"


def paragraph(lines: list[str]) -> str:
    """CLI11 lines joined into one filled paragraph."""
    return line(esc(" ".join(l.strip() for l in lines if l.strip())))


# ---- Rendering the parts ---------------------------------------------------

NOTES = re.compile(r" (REQUIRED|Needs:|Excludes:|\(Env:[^)]*\))")


def split_head(head: str) -> tuple[str, str, list[str]]:
    """"-c,--config FILE=/x Excludes: --database" -> names, "FILE=/x", notes."""
    names, _, rest = head.partition(" ")
    parts = NOTES.split(" " + rest)
    spec = parts[0].strip()
    notes = []
    for i in range(1, len(parts), 2):
        keyword, value = parts[i], parts[i + 1].strip()
        if keyword == "REQUIRED":
            notes.append("Required.")
        elif keyword == "Needs:":
            notes.append(f"Needs {value}.")
        elif keyword == "Excludes:":
            notes.append(f"Cannot be combined with {value}.")
        else:
            notes.append(f"Environment: {keyword[len('(Env:'):-1]}.")
    return names, spec, notes


def split_default(spec: str) -> tuple[str, str | None]:
    """"TEXT:{a,b}=x" -> ("TEXT:{a,b}", "x"): the first '=' outside brackets."""
    depth = 0
    for i, ch in enumerate(spec):
        if ch in "[{(":
            depth += 1
        elif ch in "]})":
            depth -= 1
        elif ch == "=" and depth == 0:
            return spec[:i], spec[i + 1:]
    return spec, None


def split_type(spec: str) -> tuple[str, str]:
    """"TEXT:{a,b}" -> ("TEXT", "{a,b}"); "NAME ..." -> ("NAME ...", ""); "INT:POSITIVE" -> ("INT", "POSITIVE")."""
    m = re.match(r"([A-Z][A-Z0-9_]*(?: \.\.\.)?)?(?::(.*))?$", spec)
    if not m:
        return spec, ""
    return (m.group(1) or ""), (m.group(2) or "").strip()


def check_note(check: str) -> str:
    """CLI11's validator text as a sentence: "{a,b}" -> "One of: a, b."."""
    if not check:
        return ""
    if check.startswith("{") and check.endswith("}"):
        return "One of: " + ", ".join(c.strip() for c in check[1:-1].split(",")) + "."
    return f"Value: {check}."


def sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?:;" else text + "."


def render_item(item: Item, positional: bool) -> list[str]:
    names, spec, notes = split_head(item.head)
    spec, default = split_default(spec)
    value_type, check = split_type(spec)
    if positional:
        # "files FILE ..." : the name stands for the value.
        tag = italic(names) + (" ..." if value_type.endswith("...") else "")
    else:
        tag = ", ".join(bold(n) for n in names.split(","))
        if value_type:
            words = value_type.split(" ")
            tag += " " + italic(words[0]) + "".join(" " + esc(w) for w in words[1:])
    text = [" ".join(item.text)] if item.text else []
    extra = [check_note(check)] if check else []
    if default is not None:
        extra.append(f"Default: {default}.")
    extra += notes
    if extra and text:
        text[0] = sentence(text[0])
    text += extra
    out = [".TP", line(tag)]
    out.append(paragraph(text) if text else "")
    return [o for o in out if o]


def render_usage(usage: str, depth: int) -> str:
    """"tocsin incident ack [OPTIONS] id": the command bold, the rest italic."""
    words = usage.split(" ")
    command, rest = words[:depth + 1], words[depth + 1:]
    out = [bold(" ".join(command))]
    for w in rest:
        if w.startswith("[") and w.endswith("]"):
            out.append("[" + italic(w[1:-1]) + "]")
        elif w == "...":
            out.append(esc(w))
        else:
            out.append(italic(w))
    return line(" ".join(out))


def render_command(command: Command) -> list[str]:
    h = command.help
    out = [f'.SS "{esc(command.name)}"']
    out += [".PP", render_usage(h.usage, len(command.path))]
    if h.description:
        out += [".PP", paragraph(h.description)]
    for title, items in h.sections:
        if title == "Subcommands":
            continue
        shown = [it for it in items if it.head.split(" ")[0] not in ("-h,--help", "--help", "-h")]
        for it in shown:
            out += render_item(it, positional=title == "Positionals")
    if command.children:
        out += [".PP", "Subcommands: " + ", ".join(bold(c.path[-1]) for c in command.children) +
                ", each described below."]
    return out


# ---- Fixed text --------------------------------------------------------------

DESCRIPTION = """\
.B tocsin
watches services and decides when something is an incident, then keeps
paging the right person until a human owns it.
It probes HTTP, TCP and TLS endpoints and scrapes Prometheus metrics,
evaluates PromQL alerting rules with a
.I for
duration and an impact threshold, and turns firing alerts into incidents
with a severity tier and a lifecycle (investigating, identified, monitoring,
resolved).
Incidents and the pages they cause are committed to SQLite in one
transaction; an append\\-only hash chain records every change.
On\\-call engineers are paged by email, Telegram and webhooks following
on\\-call schedules, escalation policies and status\\-update reminders, and
acknowledge by Telegram buttons, signed email links, the HTTP API or this
command line.
.PP
The daemon is
.BR "tocsin run" ,
normally started by systemd.
The other commands check a configuration, test rules and PromQL offline,
inspect the audit trail and write postmortem drafts from the database, or
talk to the running daemon's HTTP API to list, declare, acknowledge and
resolve incidents and to add maintenance windows and silences."""

FILES = """\
.TP
.I /etc/tocsin/tocsin.toml
The configuration, read by
.BR run ,
.BR check ,
.BR oncall ,
.BR audit ,
.B postmortem
and, for the API's address and token,
.B incident
and
.BR maintenance .
Another file is given with
.BR \\-\\-config .
Secrets are referenced from it (a file, \\fBenv:\\fR\\fINAME\\fR or
\\fBcred:\\fR\\fINAME\\fR), never written inline.
.TP
.I /var/lib/tocsin
The state directory: the SQLite database with incidents, the audit trail,
the page outbox, maintenance windows and silences (the configuration's
[storage] path), unless $STATE_DIRECTORY says otherwise."""

ENVIRONMENT = [
    ("TOCSIN_TOKEN",
     "The API token that \\fBtocsin incident\\fR and \\fBtocsin maintenance\\fR send when "
     "\\fB\\-\\-token\\-file\\fR is not given; else the configuration's [api] token is used."),
    ("TOCSIN_API_TOKEN",
     "Read like TOCSIN_TOKEN when that is not set (the older name). Configurations often reference "
     "it as \\fBenv:TOCSIN_API_TOKEN\\fR; any variable can be referenced that way."),
    ("STATE_DIRECTORY",
     "Set by systemd's StateDirectory=: the default directory of the database instead of "
     "/var/lib/tocsin (the first one when several are listed)."),
    ("CREDENTIALS_DIRECTORY",
     "Set by systemd's LoadCredential=: where \\fBcred:\\fR\\fINAME\\fR secrets are read, and where "
     "relative secret file names are looked up first."),
    ("NOTIFY_SOCKET",
     "Set by systemd for Type=notify units: \\fBtocsin run\\fR reports READY=1, reloads, "
     "stopping and watchdog keep\\-alives there."),
    ("JOURNAL_STREAM",
     "Set by systemd: when it shows that standard error is the journal and [log] format is "
     "automatic, log lines carry a syslog priority prefix and no timestamp of their own."),
    ("USER",
     "The default \\fB\\-\\-actor\\fR of \\fBtocsin incident\\fR and \\fBtocsin maintenance\\fR."),
]

# Prose for the constants of exit_code.hpp; a constant missing here is
# described by its comment in the header.
EXIT_TEXT = {
    "ok": "Success; for \\fBcheck\\fR, the configuration is valid; for the test commands, every test passed.",
    "failure": "Failure: a test or check did not pass, or the daemon refused a request.",
    "usage": "The command line is wrong (EX_USAGE).",
    "data_error": "Bad input data: a malformed test script or scenario, a broken audit chain, a corrupt "
                  "database or one written by a newer tocsin (EX_DATAERR).",
    "no_input": "An input file cannot be read (EX_NOINPUT).",
    "software": "An internal error (EX_SOFTWARE).",
    "os_error": "The operating system refused: an address cannot be bound, a thread cannot be created "
                "(EX_OSERR).",
    "io_error": "The database cannot be opened or written, or the daemon's API cannot be reached "
                "(EX_IOERR).",
    "config": "The configuration is invalid; every problem is named with file, line and column "
              "(EX_CONFIG).",
}


def read_exit_codes(header: str) -> list[tuple[int, str, str]]:
    with open(header, encoding="utf-8") as f:
        text = f.read()
    codes = []
    for m in re.finditer(r"inline\s+constexpr\s+int\s+(\w+)\s*=\s*(\d+)\s*;[ \t]*(?://[ \t]*(.*))?", text):
        name, value, comment = m.group(1), int(m.group(2)), (m.group(3) or "").strip()
        codes.append((value, name, EXIT_TEXT.get(name) or esc(comment) or esc(name.replace("_", " "))))
    if not codes:
        sys.exit(f"gen_manpage: no exit codes found in {header}")
    return sorted(codes)


SEE_ALSO = """\
.BR systemd.exec (5),
.BR sysexits.h (3head),
.BR prometheus (1),
.BR alertmanager (1).
.PP
The documentation installed with tocsin (docs/ in the source tree, usually
/usr/share/doc/tocsin/docs/ on an installed system):
configuration.md (every setting), operations.md (running and monitoring the
daemon), incidents.md, rules.md, promql.md, paging.md, oncall.md, email.md,
telegram.md, webhook.md, api.md (the HTTP API the CLI uses),
alertmanager.md, status\\-page.md and architecture.md."""


def page_date() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).strftime("%Y-%m-%d")
        except ValueError:
            sys.exit(f"gen_manpage: SOURCE_DATE_EPOCH is not a number of seconds: {epoch!r}")
    return ""


def binary_version(binary: str) -> str:
    proc = subprocess.run([PROGRAM, "--version"], executable=binary, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True, check=False)
    m = re.match(r"tocsin (\S+)", proc.stdout)
    return m.group(1) if m else "unknown"


def render_page(root: Command, version: str, exit_codes: list[tuple[int, str, str]]) -> str:
    h = root.help
    date = page_date() or f"version {version}"
    out = [
        f'.\\" tocsin(1), generated by docs/man/gen_manpage.py from `tocsin --help`; do not edit.',
        f'.TH TOCSIN 1 "{date}" "tocsin {esc(version)}" "User Commands"',
        ".nh",
        ".ad l",
        ".SH NAME",
        "tocsin \\- " + esc(re.sub(r"^tocsin:\s*", "", " ".join(h.description)).rstrip(".")),
        ".SH SYNOPSIS",
        ".nf",
        render_usage(h.usage, 0),
    ]
    for c in all_commands(root):
        if not c.children:
            out.append(render_usage(c.help.usage, len(c.path)))
    out += [
        ".fi",
        ".SH DESCRIPTION",
        DESCRIPTION,
        ".SH OPTIONS",
    ]
    for title, items in h.sections:
        if title != "Subcommands":
            for it in items:
                out += render_item(it, positional=title == "Positionals")
    out += [".PP", "Every command also accepts \\fB\\-h\\fR, \\fB\\-\\-help\\fR."]
    out.append(".SH COMMANDS")
    for c in all_commands(root)[1:]:
        out += render_command(c)
    out += [".SH FILES", FILES, ".SH ENVIRONMENT"]
    for name, text in ENVIRONMENT:
        out += [".TP", f".B {name}", text]
    out.append(".SH EXIT STATUS")
    for value, _, text in exit_codes:
        out += [".TP", f".B {value}", line(text)]
    out += [".SH SEE ALSO", SEE_ALSO]
    return "\n".join(out) + "\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--binary", required=True, help="the built tocsin")
    p.add_argument("--exit-codes", help="include/tocsin/core/exit_code.hpp")
    p.add_argument("--output", help="where to write tocsin.1 (default: standard output)")
    p.add_argument("--version", help="the project version (default: from `tocsin --version`)")
    p.add_argument("--list-commands", action="store_true", help="print the command paths found, nothing else")
    args = p.parse_args()

    root = walk(args.binary, [])
    if args.list_commands:
        for c in all_commands(root)[1:]:
            print(" ".join(c.path))
        return
    if not args.exit_codes:
        p.error("--exit-codes is required to write the page")
    page = render_page(root, args.version or binary_version(args.binary), read_exit_codes(args.exit_codes))
    if args.output:
        tmp = args.output + ".tmp"
        with open(tmp, "w", encoding="ascii", newline="\n") as f:
            f.write(page)
        os.replace(tmp, args.output)
    else:
        sys.stdout.write(page)


if __name__ == "__main__":
    main()
