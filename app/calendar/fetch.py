"""Fetching a calendar URL an advisor typed in, without letting it reach where it must not.

The URL comes from a user, and the worker fetching it sits inside the hub's network, so
this is a server-side request on a stranger's behalf. The rules:

- http and https only (``webcal://`` and ``webcals://`` are https, as calendar apps read
  them); up to ``MAX_REDIRECTS`` redirects, each hop checked like the first;
- the address the socket actually connects to must be public (not loopback, private,
  link-local, multicast, reserved, unspecified …) unless ``allow_private``: the name is
  resolved once, the addresses are checked, and the connection goes to a checked address,
  so a DNS answer that changes between check and connect (DNS rebinding) gains nothing;
- one deadline for the whole fetch (resolving, connecting, TLS, headers, body): a watchdog
  closes the socket when it passes, so a server dripping bytes cannot hold the worker;
- the body is refused (not cut) once it exceeds ``max_bytes``, also after decompression;
- ``If-None-Match``/``If-Modified-Since`` are sent when known, and a 304 is "not modified".

Failures raise ``FetchError`` with a short code the advisor's page explains in words (the
codes in ``ExternalCalendar.error``). Standard library only.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

MAX_REDIRECTS = 5
REDIRECTS = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "Sprechstunde-Kalenderimport/1.0"
CHUNK = 64 * 1024
SCHEMES = {"http": "http", "https": "https", "webcal": "https", "webcals": "https"}
# A slow resolver must not outlast the deadline; its thread is left to finish on its own.
_resolver = ThreadPoolExecutor(max_workers=4, thread_name_prefix="calendar-dns")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(Exception):
    """The calendar could not be fetched; ``code`` is one of the codes in the module doc."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Fetched:
    body: bytes
    etag: str | None
    last_modified: str | None
    url: str  # after redirects


@dataclass(frozen=True)
class NotModified:
    """The server said 304: the calendar is as it was when ``etag``/``last_modified`` came."""


def is_public_address(address: Address) -> bool:
    """Reachable on the public internet: not this host, the local network, link-local
    (cloud metadata at 169.254.169.254), multicast, reserved or documentation ranges."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_unspecified
    )


def normalise_url(url: str) -> str:
    """The URL to fetch: webcal(s) as https; ``FetchError("bad_url")`` if it is no http(s)
    URL with a host."""
    url = url.strip()
    scheme, _, rest = url.partition("://")
    if scheme.lower() not in SCHEMES or not rest:
        raise FetchError("bad_url", url[:200])
    url = f"{SCHEMES[scheme.lower()]}://{rest}"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 — raises ValueError for a port out of range
    except ValueError as error:
        raise FetchError("bad_url", str(error)) from error
    if not parts.hostname:
        raise FetchError("bad_url", url[:200])
    return url


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: float,
    max_bytes: int,
    allow_private: bool = False,
    is_allowed: Callable[[Address], bool] = is_public_address,
    user_agent: str = USER_AGENT,
) -> Fetched | NotModified:
    """GET ``url`` by the rules above. ``is_allowed`` judges each address connected to
    (unless ``allow_private``); tests pass one that treats 127.0.0.1 as public."""
    deadline = time.monotonic() + timeout
    url = normalise_url(url)
    headers = {
        "User-Agent": user_agent,
        "Accept": "text/calendar, */*;q=0.5",
        "Accept-Encoding": "identity",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    check = None if allow_private else is_allowed
    for _hop in range(MAX_REDIRECTS + 1):
        status, location, result = _get(url, headers, deadline, max_bytes, check)
        if status in REDIRECTS and location:
            url = normalise_redirect(url, location)
            continue
        if status == 304:
            return NotModified()
        if status in (404, 410):
            raise FetchError("not_found", str(status))
        if status in (401, 403):
            raise FetchError("unauthorized", str(status))
        if result is None:
            raise FetchError("http_error", str(status))
        body, response_etag, response_modified = result
        return Fetched(body, response_etag, response_modified, url)
    raise FetchError("too_many_redirects", str(MAX_REDIRECTS))


def normalise_redirect(current: str, location: str) -> str:
    """The next hop: relative locations against the current URL; http(s) only."""
    target = urljoin(current, location.strip())
    if urlsplit(target).scheme.lower() not in ("http", "https"):
        raise FetchError("bad_url", target[:200])
    return normalise_url(target)


Check = Callable[[Address], bool] | None
Answer = tuple[int, str | None, tuple[bytes, str | None, str | None] | None]


def _get(url: str, headers: dict, deadline: float, max_bytes: int, check: Check) -> Answer:
    """One request: the status, the Location header, and for a 200 the body and the
    validators. Maps network trouble to ``FetchError``."""
    parts = urlsplit(url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    addresses = _resolve(parts.hostname, port, deadline, check)
    connection = _connection(https, parts.hostname, port, addresses, deadline, check)
    watchdog = _Watchdog(connection, deadline)
    response = None
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        if response.status != 200:
            return response.status, response.getheader("Location"), None
        body = _read(response, max_bytes, watchdog)
        return 200, None, (body, response.getheader("ETag"), response.getheader("Last-Modified"))
    except FetchError:
        raise
    except http.client.InvalidURL as error:
        raise FetchError("bad_url", str(error)[:200]) from error
    except TimeoutError as error:
        raise FetchError("timeout", str(error)) from error
    except (OSError, http.client.HTTPException) as error:
        if watchdog.fired:
            raise FetchError("timeout", "deadline passed") from error
        code = "http_error" if isinstance(error, http.client.HTTPException) else "unreachable"
        raise FetchError(code, str(error)[:200] or type(error).__name__) from error
    finally:
        watchdog.cancel()
        if response is not None:  # it may own the socket now (a closing server)
            response.close()
        connection.close()


def _resolve(host: str, port: int, deadline: float, check: Check) -> list[Address]:
    """The host's addresses, the forbidden ones left out (``forbidden_address`` if none is
    left)."""
    try:
        infos = _resolver.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM).result(
            timeout=max(deadline - time.monotonic(), 0.001)
        )
    except FutureTimeout as error:
        raise FetchError("timeout", f"resolving {host}") from error
    except (OSError, UnicodeError) as error:
        raise FetchError("unreachable", f"{host}: {error}"[:200]) from error
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    allowed = [a for a in addresses if check is None or check(a)]
    if not allowed:
        raise FetchError("forbidden_address", ", ".join(map(str, addresses))[:200])
    return allowed


def _connection(
    https: bool, host: str, port: int, addresses: list[Address], deadline: float, check: Check
) -> http.client.HTTPConnection:
    """An HTTP(S) connection to ``host`` (Host header, TLS name check) whose socket goes to
    one of the checked ``addresses``, never to what a second DNS lookup might say."""

    def connect(_address, _timeout=None, _source=None) -> socket.socket:
        last: OSError | None = None
        for address in addresses:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("deadline passed while connecting")
            try:
                sock = socket.create_connection((str(address), port), timeout=remaining)
            except OSError as error:
                last = error
                continue
            # The address actually connected to, judged before a byte is sent.
            peer = ipaddress.ip_address(sock.getpeername()[0])
            if check is not None and not check(peer):
                sock.close()
                raise FetchError("forbidden_address", str(peer))
            return sock
        raise last or OSError("no address to connect to")

    if https:
        connection = http.client.HTTPSConnection(
            host, port, timeout=None, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(host, port, timeout=None)
    # http.client opens its socket through this attribute (HTTPS wraps it in TLS after).
    connection._create_connection = connect
    return connection


class _Watchdog:
    """Shuts the connection's socket down when the deadline passes, wherever it waits."""

    def __init__(self, connection: http.client.HTTPConnection, deadline: float) -> None:
        self.fired = False
        self._connection = connection
        self._timer = threading.Timer(max(deadline - time.monotonic(), 0), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        sock = self._connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed
                sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


def _read(response: http.client.HTTPResponse, max_bytes: int, watchdog: _Watchdog) -> bytes:
    """The body, refused once it exceeds ``max_bytes`` (compressed or not)."""
    length = response.getheader("Content-Length")
    if length and length.isascii() and length.isdigit() and int(length) > max_bytes:
        raise FetchError("too_large", length)
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    # We ask for no compression; a server that compresses anyway is decompressed here,
    # with the same limit on what comes out (no zip bomb).
    inflate = None
    if encoding in ("gzip", "x-gzip", "deflate"):
        inflate = zlib.decompressobj(wbits=47 if encoding != "deflate" else 15)
    elif encoding != "identity":
        raise FetchError("not_calendar", f"Content-Encoding {encoding}")
    chunks: list[bytes] = []
    size = received = 0
    while True:
        chunk = response.read1(CHUNK)
        if watchdog.fired:
            raise FetchError("timeout", "deadline passed while reading")
        if not chunk:
            break
        received += len(chunk)
        if inflate is not None:
            chunk = inflate.decompress(chunk, max_bytes + 1 - size)
        size += len(chunk)
        if size > max_bytes or received > max_bytes:
            raise FetchError("too_large", f"> {max_bytes}")
        chunks.append(chunk)
    if inflate is not None and not inflate.eof:
        raise FetchError("http_error", "truncated compressed body")
    return b"".join(chunks)
