"""Commands: ``flask create-admin``, ``seed-demo``, ``worker``, ``purge-expired``."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from app.auth import service
from app.extensions import db
from app.forms import PASSWORD_MIN_LENGTH
from app.models import Role, User


@click.command("create-admin")
@with_appcontext
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.password_option(help="At least 10 characters.")
def create_admin(email: str, name: str, password: str) -> None:
    """Create an administrator account."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise click.BadParameter(
            f"at least {PASSWORD_MIN_LENGTH} characters", param_hint="password"
        )
    try:
        service.create_staff_user(email=email, name=name, role=Role.ADMIN, password=password)
    except service.AccountError as error:
        raise click.ClickException(
            f"an account for {User.normalise_email(email)} exists already"
        ) from error
    db.session.commit()
    click.echo(f"Admin {User.normalise_email(email)} created.")


@click.command("seed-demo")
@with_appcontext
@click.option(
    "--force", is_flag=True, help="Seed even outside development (demo logins are public)."
)
def seed_demo(force: bool) -> None:
    """Fill the database with a believable hub; running it again changes nothing."""
    from app.demo import DEMO_PASSWORD, seed

    if not (current_app.debug or current_app.testing or force):
        # The demo admin's password is printed in the README: on a real site it is a door.
        raise click.ClickException(
            "seed-demo creates accounts with a published password and runs only in "
            "development (FLASK_DEBUG=1). Use --force if you really mean this database."
        )

    created = seed()
    db.session.commit()
    click.echo(f"Demo data: {created} new records." if created else "Demo data already present.")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for user in db.session.scalars(db.select(User).order_by(User.role, User.email)):
        click.echo(f"  {user.role:8} {user.email}")


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Run one round, then exit.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
def worker(once: bool, interval: float) -> None:
    """Queue due reminders, import due advisor calendars and send the outbox's mail with
    retries (SMTP, or instance/outbox/ without MAIL_SERVER), every few seconds."""
    from app.mail.transport import transport_from_config
    from app.mail.worker import run_worker

    run_worker(transport_from_config(current_app.config), interval=interval, once=once)


@click.command("purge-expired")
@with_appcontext
def purge_expired() -> None:
    """Release expired guest holds and purge personal data past its retention time:
    guest bookings, spent invitations, sent mails (run it from cron; the worker runs it
    hourly too)."""
    from app.database import begin_write
    from app.models.types import utcnow
    from app.privacy.retention import purge_expired as purge

    begin_write(db.session())  # it locks advisors: on SQLite a writer from the start
    report = purge(utcnow(), current_app.config["GUEST_RETENTION_DAYS"])
    db.session.commit()
    click.echo(f"{report.holds_released} expired holds released.")
    click.echo(f"{report.guest_bookings_anonymised} guest bookings anonymised.")
    click.echo(f"{report.invitations_deleted} invitations deleted.")
    click.echo(f"{report.outbox_messages_deleted} sent mails deleted.")


def init_app(app: Flask) -> None:
    for command in (create_admin, seed_demo, worker, purge_expired):
        app.cli.add_command(command)
