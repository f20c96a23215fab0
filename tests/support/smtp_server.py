#!/usr/bin/env python3
"""A loopback SMTP server for tocsin's email tests, built on Debian's aiosmtpd.

Every accepted message is written to --dir as N.eml (the DATA bytes as
received, dot-unstuffed) and N.json (envelope, session facts and what Python's
own email parser decodes from the message), via a temporary file and a rename,
before the server answers 250: a client that saw 250 finds both files.

Options select TLS (STARTTLS or implicit), AUTH (PLAIN and LOGIN for one
user) and scripted failures. The listening socket is bound before the server
starts (port 0 picks a free port); once it accepts connections the script
prints "READY <port>" on stdout. SIGTERM or SIGINT stops it.
"""

import argparse
import asyncio
import email
import email.policy
import json
import logging
import os
import signal
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--dir", required=True, help="where received messages go")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0: a free port")
    p.add_argument("--hostname", default="smtp.test", help="name in the greeting and EHLO reply")
    p.add_argument("--cert", help="server certificate (PEM), for --starttls or --implicit-tls")
    p.add_argument("--key", help="its private key (PEM)")
    p.add_argument("--starttls", action="store_true", help="offer STARTTLS")
    p.add_argument("--require-starttls", action="store_true", help="refuse mail before STARTTLS")
    p.add_argument("--implicit-tls", action="store_true", help="TLS from the first byte (port 465 style)")
    p.add_argument("--auth", metavar="USER:PASSWORD", help="offer AUTH PLAIN and LOGIN for this user")
    p.add_argument("--auth-without-tls", action="store_true", help="offer AUTH on a plain connection")
    p.add_argument("--size", type=int, default=0, help="SIZE limit to advertise (0: none)")
    p.add_argument("--fail-first-data", metavar="CODE", type=int,
                   help="answer the first message's end of data with this code (e.g. 451), then accept")
    p.add_argument("--reject-rcpt", metavar="ADDRESS", action="append", default=[],
                   help="answer RCPT TO for this address with 550 (repeatable)")
    p.add_argument("--greet", metavar="CODE", type=int,
                   help="greet every connection with this code (e.g. 421) and close it")
    return p.parse_args()


class Handler:
    def __init__(self, args):
        self.dir = args.dir
        self.reject = {a.lower() for a in args.reject_rcpt}
        self.fail_first_data = args.fail_first_data
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.fail_first_data:
                code, self.fail_first_data = self.fail_first_data, None
                return "%d 4.3.0 Try again later (scripted)" % code
            self.count += 1
            n = self.count
        content = envelope.original_content
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        parts = []
        for part in parsed.walk():
            if part.is_multipart():
                continue
            text = part.get_content()
            if isinstance(text, str):
                text = text.replace("\r\n", "\n")  # line ends as the text had them
            parts.append({
                "content_type": part.get_content_type(),
                "charset": part.get_content_charset(),
                "transfer_encoding": part.get("Content-Transfer-Encoding", ""),
                "content": text,
            })
        auth = session.auth_data
        facts = {
            "mail_from": envelope.mail_from,
            "mail_options": envelope.mail_options,
            "rcpt_tos": envelope.rcpt_tos,
            "helo": session.host_name,
            "tls": server.transport.get_extra_info("ssl_object") is not None,
            "auth_login": auth.login.decode() if isinstance(auth, LoginPassword) else None,
            "decoded": {
                "subject": str(parsed.get("Subject", "")),
                "from": str(parsed.get("From", "")),
                "to": str(parsed.get("To", "")),
                "message_id": str(parsed.get("Message-ID", "")),
                "in_reply_to": str(parsed.get("In-Reply-To", "")),
                "references": str(parsed.get("References", "")),
                "defects": [type(d).__name__ for d in parsed.defects],
                "parts": parts,
            },
        }
        self._write("%d.eml" % n, content)
        self._write("%d.json" % n, json.dumps(facts, indent=1).encode())
        return "250 2.0.0 Ok: queued as %d" % n

    def _write(self, name, data):
        tmp = os.path.join(self.dir, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, os.path.join(self.dir, name))


class Authenticator:
    def __init__(self, user, password):
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == self.user
              and auth_data.password == self.password)
        if ok:
            return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)  # aiosmtpd then answers 535


class ScriptedSMTP(SMTP):
    greet_code = None

    async def _handle_client(self):
        if self.greet_code is not None:
            await self.push("%d 4.3.2 Service not available, closing transmission channel (scripted)"
                            % self.greet_code)
            self.transport.close()
            return
        await super()._handle_client()


class BoundController(Controller):
    """Serves on a socket bound beforehand, so port 0 needs no guessing."""

    def __init__(self, handler, sock, greet_code, **kwargs):
        self.sock = sock
        self.greet_code = greet_code
        super().__init__(handler, hostname=sock.getsockname()[0], port=sock.getsockname()[1], **kwargs)

    def factory(self):
        smtp = ScriptedSMTP(self.handler, **self.SMTP_kwargs)
        smtp.greet_code = self.greet_code
        return smtp

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self.sock, ssl=self.ssl_context)


def main():
    args = parse_args()
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    os.makedirs(args.dir, exist_ok=True)
    tls = None
    if args.starttls or args.implicit_tls:
        if not (args.cert and args.key):
            sys.exit("--starttls and --implicit-tls need --cert and --key")
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.cert, args.key)
    kwargs = {
        "server_hostname": args.hostname,
        "ident": "tocsin-test-smtpd",
        "data_size_limit": args.size or None,
        "enable_SMTPUTF8": False,
        "timeout": 30,
    }
    if args.starttls:
        kwargs["tls_context"] = tls
        kwargs["require_starttls"] = args.require_starttls
    if args.implicit_tls:
        kwargs["ssl_context"] = tls
    if args.auth:
        user, _, password = args.auth.partition(":")
        kwargs["authenticator"] = Authenticator(user, password)
        # aiosmtpd only counts STARTTLS as TLS: on an implicit TLS socket it
        # would never offer AUTH unless told that TLS is not required.
        kwargs["auth_require_tls"] = not (args.auth_without_tls or args.implicit_tls)
    sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(64)
    controller = BoundController(Handler(args), sock, args.greet, **kwargs)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    controller.start()
    print("READY %d" % sock.getsockname()[1], flush=True)
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
