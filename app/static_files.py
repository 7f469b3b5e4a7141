"""Static files: served by WhiteNoise under content-hashed names, compressed ahead of time.

``url_for('static', filename='css/app.css')`` keeps working in every template: a URL
default (``_fingerprint``) turns the name into ``css/app.<12 hex digits>.css``, the first
digits of the file's SHA-256. A changed file gets a new URL, so those URLs are sent with
``Cache-Control: max-age=315360000, public, immutable`` and a second visit asks for none of
them again. The plain names stay served (``/static/js/embed.js`` is linked from the hubs'
own websites) with a short lifetime.

WhiteNoise serves a ``.br`` or ``.gz`` sibling of a file when the browser accepts it, so at
startup the hashed copies and their siblings (written by WhiteNoise's own ``Compressor``) are
built once into ``<instance>/static-build/<hash of all files>/``: built in a temporary
folder and renamed into place, so app processes starting together never see half a build,
and a build is never changed afterwards (its name is its content). A wheel's ``static/``
is read-only; the instance folder is the one place every installation may write.

With ``FLASK_DEBUG=1`` nothing is hashed or built: WhiteNoise reads the files as they are
on each request, so an edited stylesheet shows on the next reload.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

from app.security import static_file_headers

HASH_DIGITS = 12
# Matches the hashed names this module makes, e.g. app.0123456789ab.css.
HASHED_NAME = re.compile(rf"\.[0-9a-f]{{{HASH_DIGITS}}}\.[A-Za-z0-9]+$")
# Plain names (embed.js on a hub's website): an hour, so a fix reaches them the same day.
PLAIN_MAX_AGE = 3600
# Older builds are kept a while: pages rendered by a process still running the previous
# release (a rolling restart) link to them.
KEEP_OLD_BUILDS_SECONDS = 7 * 24 * 3600
BUILD_FOLDER = "static-build"


@dataclass(frozen=True)
class StaticManifest:
    """Plain name (``css/app.css``) → hashed name, and the folder holding the hashed copies."""

    names: dict[str, str]
    build: Path


def hashed_name(relative: str, data: bytes) -> str:
    """``css/app.css`` → ``css/app.0123456789ab.css`` (a name without a suffix gets one)."""
    digest = hashlib.sha256(data).hexdigest()[:HASH_DIGITS]
    stem, dot, suffix = relative.rpartition(".")
    if not dot or "/" in suffix:
        return f"{relative}.{digest}"
    return f"{stem}.{digest}.{suffix}"


def _source_files(root: Path) -> dict[str, Path]:
    return {
        path.relative_to(root).as_posix(): path
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }


def build_manifest(static: Path, instance: Path) -> StaticManifest:
    """Hash every file under ``static`` and make sure their hashed, compressed copies exist."""
    sources = _source_files(static)
    contents = {relative: path.read_bytes() for relative, path in sources.items()}
    names = {relative: hashed_name(relative, data) for relative, data in contents.items()}
    version = hashlib.sha256("\n".join(sorted(names.values())).encode()).hexdigest()[:16]
    builds = instance / BUILD_FOLDER
    build = builds / version
    if not build.is_dir():
        builds.mkdir(parents=True, exist_ok=True)
        _write_build(builds, build, contents, names)
        _remove_old_builds(builds, keep=build)
    return StaticManifest(names=names, build=build)


def _write_build(builds: Path, build: Path, contents: dict[str, bytes], names: dict[str, str]):
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=builds))
    try:
        compressor = Compressor(quiet=True)
        for relative, data in contents.items():
            target = staging / names[relative]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            if compressor.should_compress(target.name):
                compressor.compress(str(target))
        os.rename(staging, build)  # atomic; fails if another process was first
    except OSError:
        if not build.is_dir():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _remove_old_builds(builds: Path, keep: Path) -> None:
    cutoff = time.time() - KEEP_OLD_BUILDS_SECONDS
    for folder in builds.iterdir():  # a staging folder this old belongs to no live start
        if folder != keep and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)


def _is_hashed(path: str, url: str) -> bool:
    return bool(HASHED_NAME.search(url))


def init_app(app: Flask) -> None:
    """Put WhiteNoise in front of the app and make ``url_for('static', …)`` fingerprinted."""
    static = Path(app.static_folder)
    prefix = app.static_url_path.strip("/") + "/"
    headers = static_file_headers  # never reaching Flask, they miss its after_request
    if app.debug:
        app.wsgi_app = WhiteNoise(
            app.wsgi_app,
            root=static,
            prefix=prefix,
            autorefresh=True,
            max_age=0,
            add_headers_function=headers,
        )
        return
    manifest = build_manifest(static, Path(app.instance_path))
    served = WhiteNoise(
        app.wsgi_app,
        max_age=PLAIN_MAX_AGE,
        immutable_file_test=_is_hashed,
        add_headers_function=headers,
    )
    served.add_files(static, prefix=prefix)
    served.add_files(manifest.build, prefix=prefix)
    app.wsgi_app = served
    app.extensions["static_manifest"] = manifest

    def _fingerprint(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = manifest.names.get(values["filename"], values["filename"])

    app.url_defaults(_fingerprint)
