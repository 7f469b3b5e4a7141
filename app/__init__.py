"""Sprechstunde: the consulting and booking site of a regional innovation hub."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dotenv import load_dotenv
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import PROJECT_ROOT, Config, base_url_problem, instance_path, site_root


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints and commands."""
    load_dotenv(PROJECT_ROOT / ".env")
    site = site_root()
    app = Flask(
        __name__,
        instance_path=str(instance_path()),
        template_folder=str(site / "templates"),
        static_folder=str(site / "static"),
    )
    app.config.from_object(Config())
    app.config.update(overrides or {})
    if not app.config["SECRET_KEY"]:
        raise RuntimeError("SECRET_KEY is not set: put it in the environment (see README).")
    if error := base_url_problem(app.config.get("BASE_URL")):
        raise RuntimeError(f"{error} (see README, Configuration).")
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if proxies := app.config["PROXY_COUNT"]:
        # Client address and scheme from the proxy's headers: rate limits and Secure need them.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    from app import edges, observability

    observability.init_app(app)  # first: the request id exists before any hook logs
    edges.init_app(app)  # its URL converter and checks apply to every route
    _init_extensions(app)
    _register_blueprints(app)

    from app import branding, cli, errors, health, i18n, security, static_files, web

    i18n.init_app(app)
    web.init_app(app)
    security.init_app(app)
    branding.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    health.init_app(app)
    static_files.init_app(app)  # wraps the WSGI app: static files never reach Flask
    return app


def _init_extensions(app: Flask) -> None:
    from app import (
        compression,
        models,  # noqa: F401  (the metadata must be complete for Alembic)
    )
    from app.database import begin_request_writes, configure_engine_events
    from app.extensions import cache, csrf, db, htmx, limiter, login_manager, migrate

    compression.init_app(app)  # its hook runs after every later one: the final body
    db.init_app(app)
    with app.app_context():
        configure_engine_events(db.engine)
    app.before_request(begin_request_writes)  # first: before anything reads the database
    migrate.init_app(app, db, directory=str(site_root() / "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    cache.init_app(app)
    login_manager.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from app.admin import bp as admin_bp
    from app.advisor import bp as advisor_bp
    from app.advisor.feed import bp as feed_bp
    from app.auth import bp as auth_bp
    from app.booking import bp as booking_bp
    from app.booking.api import bp as api_bp
    from app.canvas import bp as canvas_bp
    from app.main import bp as main_bp
    from app.privacy import bp as privacy_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/konto")
    app.register_blueprint(booking_bp, url_prefix="/beratung")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(advisor_bp, url_prefix="/berater")
    app.register_blueprint(canvas_bp, url_prefix="/canvas")
    app.register_blueprint(feed_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(privacy_bp, url_prefix="/konto/datenschutz")
