"""Fetching an advisor's calendar URL: real HTTP servers on 127.0.0.1, real sockets.

No database: ``app.calendar.fetch`` is plain Python. Where a test needs a "public" server,
it passes ``is_allowed`` that counts 127.0.0.1 as public and judges every other address by
the real rule, so the redirect checks run exactly as in production.
"""

from __future__ import annotations

import gzip
import ipaddress
import shutil
import ssl
import subprocess
import time

import pytest

from app.calendar.fetch import (
    MAX_REDIRECTS,
    USER_AGENT,
    Fetched,
    FetchError,
    NotModified,
    fetch,
    is_public_address,
    normalise_url,
)
from tests.calendar_server import ICS, CalendarServer, running
from tests.conftest import free_port, needs_service

LIMIT = 100_000
LOCAL = ipaddress.ip_address("127.0.0.1")


def local_is_public(address) -> bool:
    """127.0.0.1 stands in for the internet; everything else by the production rule."""
    return address == LOCAL or is_public_address(address)


def get(url: str, **options) -> Fetched | NotModified:
    options = {"timeout": 5.0, "max_bytes": LIMIT, "allow_private": True, **options}
    return fetch(url, **options)


def refused(url: str, **options) -> FetchError:
    with pytest.raises(FetchError) as caught:
        get(url, **options)
    return caught.value


@pytest.fixture
def server():
    yield from running()


@pytest.fixture
def inner():
    """A server inside the "private network": on 127.0.0.2."""
    yield from running("127.0.0.2")


def test_the_calendar_comes_back_byte_for_byte_with_its_validators(server):
    url = server.serve(
        "/cal.ics", "weekly.ics", etag='"v1"', headers={"Last-Modified": "Mon, 01 Mar 2027"}
    )
    fetched = get(url)
    assert fetched.body == (ICS / "weekly.ics").read_bytes()
    assert (fetched.etag, fetched.last_modified) == ('"v1"', "Mon, 01 Mar 2027")
    request = server.seen[0].headers
    assert request["User-Agent"] == USER_AGENT
    assert request["Accept-Encoding"] == "identity"
    assert "If-None-Match" not in request


def test_an_unchanged_calendar_is_not_sent_again(server):
    url = server.serve("/cal.ics", "weekly.ics", etag='"v1"')
    assert get(url, etag='"v1"', last_modified="Mon, 01 Mar 2027") == NotModified()
    request = server.seen[0].headers
    assert request["If-None-Match"] == '"v1"'
    assert request["If-Modified-Since"] == "Mon, 01 Mar 2027"
    assert isinstance(get(url, etag='"v0"'), Fetched)


@pytest.mark.parametrize(
    ("typed", "fetched"),
    [
        ("webcal://p12-caldav.icloud.com/published/2/abc", "https://p12-caldav.icloud.com/published/2/abc"),
        ("WEBCALS://outlook.office365.com/owa/calendar/x/reachcalendar.ics", "https://outlook.office365.com/owa/calendar/x/reachcalendar.ics"),
        ("  https://calendar.google.com/calendar/ical/x/private-y/basic.ics ", "https://calendar.google.com/calendar/ical/x/private-y/basic.ics"),
    ],
)  # fmt: skip
def test_calendar_app_links_are_fetched_over_https(typed, fetched):
    assert normalise_url(typed) == fetched


@pytest.mark.parametrize(
    "url",
    ["ftp://files.example/cal.ics", "file:///etc/passwd", "javascript:alert(1)", "", "http://",
     "kalender.example/cal.ics", "http://host.example:99999/cal.ics", "gopher://x.example/"],
)  # fmt: skip
def test_anything_but_http_is_refused_before_any_request(url):
    assert refused(url).code == "bad_url"


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("127.0.0.1", False), ("127.0.0.2", False), ("10.1.2.3", False), ("172.16.0.1", False),
        ("192.168.178.1", False), ("169.254.169.254", False), ("100.64.0.1", False),
        ("224.0.0.251", False), ("255.255.255.255", False),
        ("0.0.0.0", False),  # noqa: S104 — an address to judge, not to bind
        ("192.0.2.10", False), ("::1", False), ("fe80::1", False), ("fd00::1", False),
        ("::ffff:127.0.0.1", False), ("::ffff:10.0.0.1", False), ("ff02::1", False), ("::", False),
        ("8.8.8.8", True), ("193.99.144.80", True), ("2a00:1450:4001:80b::200e", True),
        ("::ffff:8.8.8.8", True),
    ],
)  # fmt: skip
def test_only_public_addresses_count_as_public(address, public):
    assert is_public_address(ipaddress.ip_address(address)) is public


def test_a_private_address_is_refused_without_a_single_byte_sent(server):
    url = server.serve("/cal.ics", "weekly.ics")
    assert refused(url, allow_private=False).code == "forbidden_address"
    by_name = url.replace("127.0.0.1", "localhost")
    assert refused(by_name, allow_private=False).code == "forbidden_address"
    assert server.seen == []
    assert isinstance(get(url, allow_private=True), Fetched), "allowed when the setting says so"


def test_a_redirect_into_the_private_network_is_refused(server, inner):
    secret = inner.serve("/intern.ics", "weekly.ics")
    url = server.redirect("/cal.ics", secret)
    assert refused(url, allow_private=False, is_allowed=local_is_public).code == (
        "forbidden_address"
    )
    assert inner.seen == [], "the private server never heard of us"
    assert len(server.seen) == 1
    assert isinstance(get(url, allow_private=True), Fetched), "the target itself is there"


def test_a_redirect_to_cloud_metadata_or_a_file_is_refused(server):
    metadata = server.redirect("/meta.ics", "http://169.254.169.254/latest/meta-data/")
    assert refused(metadata, allow_private=False, is_allowed=local_is_public).code == (
        "forbidden_address"
    )
    local_file = server.redirect("/file.ics", "file:///etc/passwd")
    assert refused(local_file).code == "bad_url"


def test_redirects_are_followed_up_to_the_limit(server):
    server.serve("/final.ics", "weekly.ics")
    server.redirect("/hop0", "/final.ics", status=301)  # relative, as servers often send
    for hop in range(1, MAX_REDIRECTS + 1):
        server.redirect(f"/hop{hop}", server.url(f"/hop{hop - 1}"), status=307)
    fetched = get(server.url(f"/hop{MAX_REDIRECTS - 1}"))
    assert fetched.url == server.url("/final.ics")
    assert refused(server.url(f"/hop{MAX_REDIRECTS}")).code == "too_many_redirects"


def test_a_calendar_over_the_limit_is_refused_not_cut(server):
    huge = b"BEGIN:VCALENDAR\r\n" + b"X-PADDING:" + b"x" * LIMIT + b"\r\nEND:VCALENDAR\r\n"
    announced = server.serve("/announced.ics", huge)
    streamed = server.serve("/streamed.ics", huge, length=False)
    assert refused(announced).code == "too_large"
    assert refused(streamed).code == "too_large"
    assert isinstance(get(streamed, max_bytes=len(huge)), Fetched)


def test_a_compressed_answer_is_unpacked_within_the_limit(server):
    calendar = (ICS / "weekly.ics").read_bytes()
    packed = server.serve(
        "/packed.ics", gzip.compress(calendar), headers={"Content-Encoding": "gzip"}
    )
    assert get(packed).body == calendar
    bomb = gzip.compress(b"\0" * (50 * LIMIT))
    assert len(bomb) < LIMIT
    server.serve("/bomb.ics", bomb, headers={"Content-Encoding": "gzip"})
    assert refused(server.url("/bomb.ics")).code == "too_large"


def test_a_server_that_answers_too_late_is_given_up_on_time(server):
    url = server.serve("/slow.ics", "weekly.ics", delay=3)
    started = time.monotonic()
    assert refused(url, timeout=0.5).code == "timeout"
    assert time.monotonic() - started < 1.5


def test_a_server_dripping_bytes_is_cut_off_at_the_deadline(server):
    # Each byte arrives well within any per-read timeout; only the whole fetch is too slow.
    url = server.serve("/drip.ics", "weekly.ics", drip=0.02)
    started = time.monotonic()
    assert refused(url, timeout=0.5).code == "timeout"
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize(
    ("status", "code"),
    [(404, "not_found"), (410, "not_found"), (401, "unauthorized"), (403, "unauthorized"),
     (500, "http_error"), (503, "http_error")],
)  # fmt: skip
def test_error_answers_have_their_own_codes(server, status, code):
    url = server.serve("/cal.ics", "Fehler", status=status)
    error = refused(url)
    assert (error.code, error.detail) == (code, str(status))


def test_a_server_that_is_not_there_is_unreachable():
    assert refused(f"http://127.0.0.1:{free_port()}/cal.ics").code == "unreachable"
    assert refused("http://kalender.invalid/cal.ics").code == "unreachable"


@pytest.fixture
def tls_server(tmp_path):
    """An https server on 127.0.0.1 with a certificate of its own (no public CA signed it);
    yields the server and its certificate's path."""
    openssl = shutil.which("openssl")
    if openssl is None:
        needs_service("the https test makes its certificate with openssl")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(  # noqa: S603 (fixed arguments, no shell)
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with CalendarServer(tls=context) as server:
        yield server, cert


def test_https_is_verified_against_the_trusted_certificates(tls_server, monkeypatch):
    server, cert = tls_server
    url = server.serve("/cal.ics", "weekly.ics")
    error = refused(url)
    assert error.code == "unreachable"
    assert "CERTIFICATE_VERIFY_FAILED" in error.detail
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # as an on-premise CA would be installed
    assert get(url).body == (ICS / "weekly.ics").read_bytes()


def test_the_server_names_itself_and_the_port_in_the_host_header():
    with CalendarServer() as server:
        get(server.serve("/cal.ics", "weekly.ics"))
        assert server.seen[0].headers["Host"] == f"127.0.0.1:{server.port}"
