"""A real HTTP server on 127.0.0.1 that serves calendar files the way calendar hosts do:
ETag and 304, redirects, slow and dripping answers, errors. For the busy-import tests."""

from __future__ import annotations

import ssl
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ICS = Path(__file__).parent / "ics"


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None  # answers a matching If-None-Match with 304
    delay: float = 0.0  # seconds before the status line
    drip: float = 0.0  # seconds between the body's bytes
    length: bool = True  # send Content-Length (else: close-delimited)


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


class CalendarServer:
    def __init__(self, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[Seen] = []
        # Requests of one path being answered at the same moment (the multi-worker test:
        # one calendar must never be imported twice at once), and the paths that had any.
        self.in_flight: Counter[str] = Counter()
        self.overlapping: list[str] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                with server._lock:
                    server.seen.append(Seen(self.path, dict(self.headers)))
                    server.in_flight[self.path] += 1
                    if server.in_flight[self.path] > 1:
                        server.overlapping.append(self.path)
                try:
                    self._answer()
                finally:
                    with server._lock:
                        server.in_flight[self.path] -= 1

            def _answer(self) -> None:
                route = server.routes.get(self.path, Route(b"nicht gefunden", status=404))
                time.sleep(route.delay)
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.end_headers()
                    return
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                if route.etag:
                    self.send_header("ETag", route.etag)
                if route.length:
                    self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                try:
                    if route.drip:
                        for byte in route.body:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(route.drip)
                    else:
                        self.wfile.write(route.body)
                except OSError:
                    pass  # the client gave up, as it should

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.host = host
        self.scheme = "https" if tls else "http"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def url(self, path: str) -> str:
        return f"{self.scheme}://{self.host}:{self.port}{path}"

    def serve(self, path: str, body: bytes | str = b"", **fields) -> str:
        """Serve ``body`` (or the fixture file named by a str ending in .ics) at ``path``."""
        if isinstance(body, str):
            body = (ICS / body).read_bytes() if body.endswith(".ics") else body.encode()
        self.routes[path] = Route(body=body, **fields)
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        self.routes[path] = Route(status=status, headers={"Location": location})
        return self.url(path)

    def __enter__(self) -> CalendarServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def running(host: str = "127.0.0.1") -> Iterator[CalendarServer]:
    """For a fixture: ``yield from running()``."""
    with CalendarServer(host) as server:
        yield server
