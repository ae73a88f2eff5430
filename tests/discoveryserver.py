"""Real local servers for mail discovery: an HTTPS server (trustme certificate) that
serves by Host header and path, and a DNS server (dnslib, UDP) answering from a zone.

Usage::

    with HttpsServer(names=["autoconfig.corp.example"]) as web, DnsServer() as dns:
        web.routes[("autoconfig.corp.example", "/mail/config-v1.1.xml")] = xml_bytes
        dns.add("corp.example. 60 IN MX 10 mx.corp.example.")
        os.environ.update(web.env() | dns.env())

A route's value: bytes (200 with that body), ("redirect", location), ("slow", seconds,
body) or ("status", code). No pytest dependency here."""

from __future__ import annotations

import contextlib
import shutil
import ssl
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import trustme
from dnslib import QTYPE, RCODE, RR
from dnslib.server import BaseResolver, DNSLogger, DNSServer


class HttpsServer:
    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.routes: dict[tuple[str, str], Any] = {}
        self.requests: list[tuple[str, str]] = []  # (host, path with query), in order
        self.port = 0
        self.ca_file = ""
        self._tmp = ""
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> HttpsServer:
        self._tmp = tempfile.mkdtemp(prefix="discovery-")
        ca = trustme.CA()
        self.ca_file = str(Path(self._tmp, "ca.pem"))
        ca.cert_pem.write_to_path(self.ca_file)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(*self.names, "127.0.0.1").configure_cert(context)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        shutil.rmtree(self._tmp, ignore_errors=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def resolve(self, *names: str) -> str:
        """A SUPPORT_DISCOVERY_RESOLVE value sending these names here."""
        return ",".join(f"{name}={self.address}" for name in names)


def _handler(server: HttpsServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            host = (self.headers.get("Host") or "").split(":")[0]
            path = self.path.split("?")[0]
            server.requests.append((host, self.path))
            route = server.routes.get((host, path))
            if route is None:
                self._send(404, b"not here")
            elif isinstance(route, bytes):
                self._send(200, route)
            elif route[0] == "redirect":
                self.send_response(302)
                self.send_header("Location", route[1])
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif route[0] == "slow":
                time.sleep(route[1])
                self._send(200, route[2])
            else:
                self._send(route[1], b"")

        def _send(self, code: int, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the client gave up (a size cap, a timeout)
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

        def handle(self) -> None:
            with contextlib.suppress(OSError):  # a refused certificate, a closed socket
                super().handle()

    return Handler


class _ZoneResolver(BaseResolver):  # type: ignore[misc]
    def __init__(self, records: list[Any]) -> None:
        self.records = records

    def resolve(self, request: Any, handler: Any) -> Any:
        reply = request.reply()
        qname, qtype = request.q.qname, request.q.qtype
        known = [r for r in self.records if r.rname == qname]
        for record in known:
            if record.rtype == qtype or qtype == QTYPE.ANY:
                reply.add_answer(record)
        if not known:
            reply.header.rcode = RCODE.NXDOMAIN
        return reply


class DnsServer:
    def __init__(self) -> None:
        self.records: list[Any] = []
        self._server: DNSServer | None = None
        self.port = 0

    def add(self, zone: str) -> None:
        self.records.extend(RR.fromZone(zone))

    def __enter__(self) -> DnsServer:
        self._server = DNSServer(
            _ZoneResolver(self.records),
            port=0,
            address="127.0.0.1",
            logger=DNSLogger(logf=lambda *_: None),
        )
        self._server.start_thread()
        self.port = self._server.server.server_address[1]
        return self

    def __exit__(self, *_: object) -> None:
        if self._server is not None:
            self._server.stop()
            self._server.server.server_close()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"
