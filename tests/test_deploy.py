"""The README's production install, done for real: ``pip install .`` into a fresh virtualenv,
migrate, and serve pages with gunicorn from a folder that is not the checkout.

This proves the wheel carries templates, static files, migrations and compiled
translations, and that writable data goes to ``INSTANCE_PATH``, not into site-packages.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT
from tests.conftest import free_port


def _run(*args: str | Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our own commands, no shell)
        [str(arg) for arg in args], check=True, capture_output=True, text=True, **kwargs
    )


def _get(url: str, **headers: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (a local server)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status, response.read().decode()


def _wait_until_serving(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited: {log.read_text()}")
        try:
            _get(url)
        except OSError:
            time.sleep(0.2)
        else:
            return
    pytest.fail("gunicorn did not answer within 30 s")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtualenv with the project installed the way README's Production says."""
    venv = tmp_path_factory.mktemp("deploy") / "venv"
    _run(sys.executable, "-m", "venv", venv)
    _run(venv / "bin" / "pip", "install", "--quiet", PROJECT_ROOT, timeout=600)
    return venv


def test_installed_package_migrates_and_serves_pages(installed: Path, tmp_path: Path):
    workdir = tmp_path / "srv"  # not the checkout: nothing may come from there
    workdir.mkdir()
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "SECRET_KEY": "deploy-test-secret",
        "BASE_URL": f"http://127.0.0.1:{port}",
        "TRUSTED_HOSTS": "127.0.0.1",
        "INSTANCE_PATH": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'site.db'}",
        "SECURE_COOKIES": "0",
    }
    bin_dir = installed / "bin"
    located = _run(
        bin_dir / "python", "-c", "import app; print(app.__file__)", cwd=workdir, env=env
    )
    assert str(installed) in located.stdout, "the app must come from the virtualenv"

    _run(bin_dir / "flask", "--app", "app", "db", "upgrade", cwd=workdir, env=env)
    assert (tmp_path / "data" / "site.db").is_file()

    log = tmp_path / "gunicorn.log"
    with log.open("w") as log_file:
        server = subprocess.Popen(  # noqa: S603
            [
                *(bin_dir / "gunicorn", "-c", "python:app.gunicorn_conf"),
                *("-b", f"127.0.0.1:{port}", "-w", "1", "app:create_app()"),
            ],
            cwd=workdir,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_serving(f"{base}/healthz", server, log)
        status, german = _get(f"{base}/")
        assert status == 200 and "Beratung buchen" in german
        _, english = _get(f"{base}/", Cookie="lang=en")
        assert "Book a consultation" in english  # the compiled catalogue came along
        status, css = _get(f"{base}/static/css/app.css")
        assert status == 200 and "{" in css
        ready = json.loads(_get(f"{base}/readyz")[1])
        assert ready["status"] == "ready", ready
        # The pages link fingerprinted files, built into INSTANCE_PATH and served compressed.
        linked = re.findall(r'(?:href|src)="(/static/[^"]+\.[0-9a-f]{12}\.(?:css|js))"', german)
        assert len(linked) >= 3
        for path in linked:
            request = urllib.request.Request(  # noqa: S310 (a local server)
                f"{base}{path}", headers={"Accept-Encoding": "br"}
            )
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                assert response.headers["Content-Encoding"] == "br", path
                assert "immutable" in response.headers["Cache-Control"], path
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert not list(installed.glob("lib/python*/site-packages/instance")), "no data in the venv"
