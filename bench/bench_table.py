"""The whole throughput table of issue 13 in one command: every page against a bare Flask hello.

Serves the site (``wsgi:app``) and ``bench/hello_app.py`` with gunicorn (``--workers 2``,
sync workers) on 127.0.0.1, on the PostgreSQL data of ``bench/seed_scale.py``, and loads
each endpoint with Debian's ``wrk -t2 -c16 --latency`` for ``--duration`` seconds (after a
short warm-up and one request to every path, which must answer 200):

* hello, and a bare Flask page running one indexed query (``/abfrage``) on the same database;
* the site's ``/healthz`` and home page;
* the slot picker's fragment (``HX-Request``/``HX-Target: slot-picker``, as a day link
  sends it) rotating over every advisor of the topic and "any" × 8 weeks
  (``bench/wrk/rotate.lua``), with the fragment cache off (``CACHE_TYPE=NullCache``) and
  on (Redis, ``--redis-url``; ``--redis-url ''``: the in-process cache), while a side
  thread books a free slot through ``app.booking.service`` every ``--booking-interval``
  seconds (the calendar versions change as on a busy day; those bookings are cancelled
  at the end, so the data stays as seeded);
* the full booking page, cache off, over the same paths;
* the pages behind a login (the session cookie of a real login, sent by wrk): the demo
  member's canvas, the demo advisor's agenda, the review queue and dashboard as the admin.

Then the RSS of the gunicorn workers after their load. Prints a Markdown table (endpoint,
req/s, ratio to hello, p95, budget, ok) and exits 1 if a budget is missed, 2 if the
benchmark failed. The pages other than the cached picker run on the server without the
cache: the budgets are for the first request as well as the hundredth. Run from the
project root after ``bench/seed_scale.py``::

    .venv/bin/python bench/bench_table.py [--database-url URL] [--duration 10]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa
from bench_feed import run
from bench_picker import HOST, NAVIGATION, Gunicorn
from bench_table_data import MEMBER, Bookings, make_app, site_paths
from seed_scale import DEFAULT_URL

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Sprechstunde-Demo-2026"  # noqa: S105  (the demo's published password)
ADMIN = "admin@industryhub.example"
ADVISOR = "katharina.brandt@industryhub.example"
RSS_BUDGET_MB = 150.0
PICKER_P95_BUDGET_MS = 50.0


@dataclass
class Endpoint:
    label: str
    paths: list[str]
    ratio_budget: float | None = None  # of hello's req/s
    p95_budget_ms: float | None = None
    headers: dict[str, str] = field(default_factory=dict)
    login: str | None = None  # whose session cookie wrk sends
    bookings: bool = False  # bookings arrive meanwhile (the picker rows)


@dataclass
class Result:
    label: str
    rps: float
    p95_ms: float
    budget: str = ""
    ok: bool | None = None  # None: for information
    ratio: float | None = None
    cpu_ms: float = 0.0  # the gunicorn workers' CPU time per request
    cpu_ratio: float | None = None  # hello's CPU per request / this one's
    note: str = ""


# ----------------------------------------------------------------------------- wrk


def wrk(args, port: int, endpoint: Endpoint, headers: dict[str, str], seconds: float, scratch):
    """One wrk run; returns (req/s, p95 ms, a note on errors, requests)."""
    command = [
        "wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds:g}s", "--latency",
        "--timeout", "10s",
    ]  # fmt: skip
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if len(endpoint.paths) == 1:
        command += ["-s", "bench/wrk/report.lua", f"http://{HOST}:{port}{endpoint.paths[0]}"]
    else:
        listing = Path(scratch) / "paths.txt"
        listing.write_text("\n".join(endpoint.paths) + "\n")
        command += ["-s", "bench/wrk/rotate.lua", f"http://{HOST}:{port}/", "--", str(listing)]
    done = subprocess.run(  # noqa: S603 (fixed argv: Debian's wrk against 127.0.0.1)
        command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=seconds + 60
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed for {endpoint.label}:\n{done.stdout}\n{done.stderr}")
    figures = {k: int(v) for k, v in (pair.split("=") for pair in line.split()[1:])}
    rps = figures["requests"] / (figures["duration_us"] / 1e6)
    errors = {k: figures[k] for k in ("connect", "read", "write", "status", "timeout")}
    note = ", ".join(f"{k} errors {v}" for k, v in errors.items() if v)
    return rps, figures["p95_us"] / 1000, note, figures["requests"]


def measure(args, server: Gunicorn, endpoint: Endpoint, headers, scratch, booker=None):
    """Every path once (each must answer 200, not a login redirect; this warms up too), then
    wrk's warm-up and its measured run, with ``booker`` booking meanwhile."""
    headers = {**endpoint.headers, **headers}
    for path in endpoint.paths:
        status = fetch(server.port, path, headers)[0]
        if status != 200:  # the row fails, the rest of the table is still measured
            print(f"  {endpoint.label}: GET {path} answered {status}", flush=True)
            return Result(endpoint.label, 0.0, 0.0, note=f"GET {path} answered {status}")
    if booker is not None:
        booker.start()
    try:
        if args.warmup:
            wrk(args, server.port, endpoint, headers, args.warmup, scratch)
        cpu = worker_cpu_seconds(server)
        rps, p95, note, requests = wrk(args, server.port, endpoint, headers, args.duration, scratch)
        cpu = worker_cpu_seconds(server) - cpu
    finally:
        if booker is not None:
            booker.cancel_all()
    if booker is not None:
        made = f"{len(booker.ids)} bookings meanwhile" + (
            f", {booker.failed} failed" if booker.failed else ""
        )
        note = ", ".join(filter(None, [note, made]))
    result = Result(endpoint.label, rps, p95, cpu_ms=cpu * 1000 / max(requests, 1), note=note)
    print(f"  {endpoint.label}: {rps:.0f} req/s, p95 {p95:.1f} ms, {note}", flush=True)
    return result


def judge(result: Result, endpoint: Endpoint, hello: Result) -> Result:
    """The ratios to hello, and whether the budgets hold."""
    result.ratio = result.rps / hello.rps
    result.cpu_ratio = hello.cpu_ms / result.cpu_ms if result.cpu_ms else None
    wanted = []
    if endpoint.ratio_budget is not None:
        wanted.append(f"≥ {endpoint.ratio_budget:g}")
        result.ok = result.ratio >= endpoint.ratio_budget
    if endpoint.p95_budget_ms is not None:
        wanted.append(f"p95 ≤ {endpoint.p95_budget_ms:g} ms")
        result.ok = result.ok is not False and result.p95_ms <= endpoint.p95_budget_ms
    if "status" in result.note or "timeout" in result.note or "answered" in result.note:
        result.ok = False  # an error page or no answer is not throughput
    result.budget = ", ".join(wanted)
    return result


# -------------------------------------------------------------------- HTTP and login


def fetch(port: int, path: str, headers: dict[str, str], method="GET", body=None):
    """(status, Set-Cookie headers, body) of one request; no User-Agent, like wrk."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers.get_all("Set-Cookie") or [], response.read()
    finally:
        connection.close()


def cookie_header(set_cookies: list[str], jar: dict[str, str]) -> dict[str, str]:
    for header in set_cookies:
        for name, morsel in SimpleCookie(header).items():
            jar[name] = morsel.value
    return jar


def session_cookie(port: int, email: str) -> str:
    """The Cookie header of ``email``'s session after a real login through the form."""
    status, set_cookies, page = fetch(port, "/konto/anmelden", {})
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
    if status != 200 or token is None:
        raise RuntimeError(f"the login form answered {status} without a CSRF token")
    jar = cookie_header(set_cookies, {})
    form = urlencode({"csrf_token": token.group(1).decode(), "email": email, "password": PASSWORD})
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
    }
    status, set_cookies, _ = fetch(port, "/konto/anmelden", headers, "POST", form)
    if status != 302:
        raise RuntimeError(f"login as {email} answered {status}")
    cookie_header(set_cookies, jar)
    # The next page shows (and so drops) the "logged in" message: wrk sends a session
    # without it, as a browser does from its second page on.
    headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
    cookie_header(fetch(port, "/", {"Cookie": headers["Cookie"]})[1], jar)
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def workers(server: Gunicorn) -> list[str]:
    """The process ids of the master's children: its workers."""
    assert server.process is not None  # noqa: S101
    pid = server.process.pid
    return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()


def worker_rss_mb(server: Gunicorn) -> list[float]:
    """Resident memory of each worker, in MB."""
    sizes = []
    for pid in workers(server):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


def worker_cpu_seconds(server: Gunicorn) -> float:
    """User and system CPU time of the workers so far: per request, a figure that other
    jobs on the machine disturb far less than the throughput."""
    ticks = 0
    for pid in workers(server):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return ticks / os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------------------ main


def print_table(results: list[Result], rss: list[float]) -> None:
    print("| endpoint | req/s | ratio to hello | p95 | budget | ok | worker CPU/req (hello's ÷) |")
    print("|---|---:|---:|---:|---|---|---:|")
    for r in results:
        ratio = f"{r.ratio:.3f}" if r.ratio is not None else ""
        ok = "" if r.ok is None else ("yes" if r.ok else "**NO**")
        label = f"{r.label} ({r.note})" if r.note else r.label
        cpu = f"{r.cpu_ms:.2f} ms ({r.cpu_ratio:.3f})" if r.cpu_ratio else ""
        print(
            f"| {label} | {r.rps:.0f} | {ratio} | {r.p95_ms:.1f} ms | {r.budget} | {ok} | {cpu} |"
        )
    if rss:
        worst = max(rss)
        ok = "yes" if worst <= RSS_BUDGET_MB else "**NO**"
        sizes = " / ".join(f"{x:.0f}" for x in rss)
        print(
            f"| gunicorn worker RSS after the run (MB: {sizes}) | | | | "
            f"≤ {RSS_BUDGET_MB:g} MB | {ok} | |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per endpoint")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of wrk before each")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/2", help="cache on")
    parser.add_argument("--booking-interval", type=float, default=1.0, help="0: no bookings")
    parser.add_argument("--only", default="", help="rows whose label contains this (debugging)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is missing: apt-get install wrk")

    from app.config import normalise_database_url

    database_url = normalise_database_url(args.database_url)
    if sa.make_url(database_url).host not in {HOST, "localhost"}:
        raise SystemExit("the benchmark only talks to a database on 127.0.0.1")
    cache_on = {"REDIS_URL": args.redis_url} if args.redis_url else {"CACHE_TYPE": "SimpleCache"}
    in_process_cache = (
        {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": args.redis_url} if args.redis_url else {}
    )
    off_app = make_app(database_url, {"CACHE_TYPE": "NullCache"})
    paths = site_paths(off_app)
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench",
        "BASE_URL": f"http://{HOST}",
        "TRUSTED_HOSTS": HOST,
        "RATELIMIT_ENABLED": "0",
        "FLASK_DEBUG": "0",
        "SECURE_COOKIES": "0",
    }
    print(f"database {sa.make_url(database_url).database}; wrk -t{args.threads} "
          f"-c{args.connections} -d{args.duration:g}s; gunicorn -w {args.workers}; "
          f"picker weeks {paths['weeks'][0]} … {paths['weeks'][-1]}, "
          f"{len(paths['picker'])} paths")  # fmt: skip
    print("load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()), flush=True)

    picker = paths["picker"]
    off_rows = [
        Endpoint("/healthz", ["/healthz"]),
        Endpoint("home page", ["/"], 0.15),
        Endpoint(
            "week picker fragment, cache off, every advisor and any × 8 weeks",
            picker, 0.15, PICKER_P95_BUDGET_MS, NAVIGATION, bookings=True,
        ),
        # The same addresses without the HTMX headers: whole pages.
        Endpoint("full booking page, cache off, same addresses", picker, 0.15),
        Endpoint("canvas page (member)", paths["canvas"], 0.1, login=MEMBER),
        Endpoint("advisor agenda", ["/berater/"], 0.1, login=ADVISOR),
        Endpoint("review queue (admin)", ["/canvas/pruefung"], 0.1, login=ADMIN),
        Endpoint("admin dashboard", ["/admin/"], 0.1, login=ADMIN),
    ]  # fmt: skip
    on_rows = [
        Endpoint(
            "week picker fragment, cache on, same addresses",
            picker,
            0.5,
            headers=NAVIGATION,
            bookings=True,
        ),
    ]
    chosen = (lambda rows: [r for r in rows if args.only in r.label]) if args.only else list

    results: list[Result] = []
    rss: list[float] = []
    with tempfile.TemporaryDirectory() as scratch, contextlib.ExitStack() as servers:
        # Hello is measured first and last, the ratios use the mean: the machine's other
        # work changes during the run, and the site's pages are measured in between.
        bare = servers.enter_context(Gunicorn("bench.hello_app:app", env, args.workers))
        bare.wait_ready("/", {})
        hello = Endpoint("bare Flask hello", ["/"])
        first = measure(args, bare, hello, {}, scratch)
        query = Endpoint("bare Flask, one indexed query (`/abfrage`)", ["/abfrage"])
        measured = [(query, measure(args, bare, query, {}, scratch))]
        for rows, cache, booker_cache in (
            (off_rows, {"CACHE_TYPE": "NullCache"}, {"CACHE_TYPE": "NullCache"}),
            (on_rows, cache_on, in_process_cache),
        ):
            if not (rows := chosen(rows)):
                continue
            with Gunicorn("wsgi:app", {**env, **cache}, args.workers) as server:
                server.wait_ready("/healthz", {})
                logins = {r.login for r in rows if r.login}
                cookies = {email: session_cookie(server.port, email) for email in logins}
                for endpoint in rows:
                    booker = None
                    if endpoint.bookings and args.booking_interval > 0:
                        booker_app = make_app(database_url, booker_cache)
                        booker = Bookings(booker_app, paths["weeks"], args.booking_interval)
                    headers = {"Cookie": cookies[endpoint.login]} if endpoint.login else {}
                    result = measure(args, server, endpoint, headers, scratch, booker)
                    measured.append((endpoint, result))
                rss += worker_rss_mb(server)
        last = measure(args, bare, hello, {}, scratch)
    mean = Result(
        "bare Flask hello (mean of first and last run)",
        (first.rps + last.rps) / 2,
        (first.p95_ms + last.p95_ms) / 2,
        cpu_ms=(first.cpu_ms + last.cpu_ms) / 2,
    )
    for run_ in (first, last):
        run_.label = f"bare Flask hello, {'first' if run_ is first else 'last'} run"
    results = [judge(r, e, mean) for e, r in [(hello, first), (hello, last), (hello, mean)]]
    results += [judge(result, endpoint, mean) for endpoint, result in measured]

    print()
    print_table(results, rss)
    print()
    print("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    missed = [r.label for r in results if r.ok is False]
    if rss and max(rss) > RSS_BUDGET_MB:
        missed.append("worker RSS")
    print("all budgets met" if not missed else f"budgets MISSED: {'; '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(PROJECT_ROOT))
    run(main)
