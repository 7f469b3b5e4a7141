"""The booking journey: choose type and topic → pick a slot → tell us the agenda → booked."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app import tokens
from app.booking import bp, service
from app.booking.choice import (
    Choice,
    active_types,
    parse_start,
    read_choice,
    topics_with_advisors,
    week_of,
)
from app.booking.forms import BookingForm, GuestBookingForm
from app.booking.freshness import cached, fragment_key, remember
from app.booking.links import manage_token, uid_from
from app.booking.picker import week_view
from app.extensions import db, limiter
from app.i18n import select_locale, select_timezone
from app.models import Booking
from app.models.types import utcnow
from app.web import form_status, render, wants_fragment


def _booking_limit() -> str:
    return current_app.config["BOOKING_RATE_LIMIT"]


def _viewer_zone() -> ZoneInfo:
    return ZoneInfo(select_timezone())


@bp.get("/")
def start():
    """Step 1: which kind of consultation, on which topic."""
    return render("booking/start.html", types=active_types(), topics=topics_with_advisors())


@bp.get("/termine")
def picker():
    """Step 2: a week of free times in the viewer's zone; works with and without HTMX.

    The HTMX fragment (week navigation) is the hot path: it is cached under the calendar
    version (see ``freshness``), so a repeat costs no query and no slot computation.
    """
    now, zone = utcnow(), _viewer_zone()
    monday = week_of(request.args.get("week"), zone, now)
    key = None
    if wants_fragment() and not session.get("_flashes"):
        wanted = (request.args.get(name, "") for name in ("type", "topic", "advisor"))
        key = fragment_key("picker", now, get_locale(), zone.key, monday, *wanted)
        if (html := cached(key)) is not None:
            return Response(html, mimetype="text/html")
    choice = read_choice(request.args)
    week = week_view(choice, monday, zone, now)
    response = render("booking/picker.html", block="picker", choice=choice, week=week, zone=zone)
    remember(key, response.get_data(as_text=True))
    return response


def _form_for_viewer():
    return BookingForm() if current_user.is_authenticated else GuestBookingForm()


def flash_invalid_time() -> None:
    flash(_("Diese Uhrzeit ist ungültig. Bitte wählen Sie einen Termin aus der Liste."), "error")


def unavailable_message(error: service.SlotUnavailable) -> str:
    if isinstance(error, service.OutsideWindow):
        return _("Diese Zeit liegt außerhalb des Buchungszeitraums. Bitte wählen Sie eine andere.")
    return _("Dieser Termin wurde gerade vergeben. Bitte wählen Sie eine andere Zeit.")


def _choose_again(choice: Choice, form, monday, zone: ZoneInfo, message: str, status: int):
    """Show the form again with fresh times to pick from, keeping everything typed."""
    now = utcnow()
    form.form_errors.append(message)
    return render(
        "booking/book.html",
        block="booking",
        status=status,
        choice=choice,
        form=form,
        start=None,
        week=week_view(choice, monday, zone, now),
        zone=zone,
    )


@bp.route("/buchen", methods=["GET", "POST"])
@limiter.limit(_booking_limit, methods=["POST"])
def book():
    """Step 3: the agenda (and, for guests, who they are); then the booking is made."""
    choice = read_choice(request.args)
    zone = _viewer_zone()
    form = _form_for_viewer()
    try:
        # The form's choice wins: after "just taken" the user picks a fresh time in the form.
        start = parse_start(request.form.get("start") or request.args.get("start"))
    except ValueError:
        if request.method == "POST":
            form.validate()
            monday = week_of(request.form.get("week"), zone, utcnow())
            message = _("Bitte wählen Sie eine der freien Zeiten.")
            return _choose_again(choice, form, monday, zone, message, 422)
        flash_invalid_time()
        return redirect(url_for("booking.picker", **choice.params()))
    if not form.validate_on_submit():
        return render(
            "booking/book.html",
            block="booking",
            status=form_status(form),
            choice=choice,
            form=form,
            start=start,
            zone=zone,
        )
    if getattr(form, "website", None) is not None and form.website.data:
        abort(400)  # the honeypot: only bots fill it
    guest = None
    if not current_user.is_authenticated:
        guest = service.Guest(form.guest_name.data, form.guest_email.data, form.guest_company.data)
    try:
        booking = service.book(
            ctype=choice.ctype,
            topic=choice.topic,
            advisor=choice.advisor,
            start=start,
            agenda=form.agenda.data,
            booker=current_user if current_user.is_authenticated else None,
            guest=guest,
            locale=select_locale(),
            timezone=select_timezone(),
        )
    except service.SlotUnavailable as error:
        db.session.rollback()
        monday = week_of(start.astimezone(zone).date().isoformat(), zone, utcnow())
        return _choose_again(choice, form, monday, zone, unavailable_message(error), 409)
    db.session.commit()
    if booking.status == "pending":
        flash(
            _("Fast geschafft: Bitte bestätigen Sie den Termin über den Link in unserer E-Mail."),
            "info",
        )
    else:
        flash(_("Ihr Termin ist gebucht. Eine Bestätigung ist per E-Mail unterwegs."), "success")
    return redirect(url_for("booking.show", uid=booking.uid, token=manage_token(booking)))


@bp.get("/bestaetigen/<token>")
def confirm_guest(token: str):
    """The guest's double opt-in link."""
    try:
        uid = uid_from(token, tokens.CONFIRM_BOOKING)
        booking = db.session.scalar(sa.select(Booking).where(Booking.uid == uid)) or abort(404)
        service.confirm_guest_booking(booking)
    except (tokens.InvalidToken, service.HoldExpired) as error:
        if isinstance(error, tokens.InvalidToken) and not error.expired:
            flash(_("Dieser Bestätigungslink ist ungültig."), "error")
        else:
            flash(
                _("Der Bestätigungslink ist abgelaufen; der Termin wurde wieder freigegeben."),
                "error",
            )
        return redirect(url_for("booking.start"))
    db.session.commit()
    flash(_("Danke! Ihr Termin ist bestätigt."), "success")
    return redirect(url_for("booking.show", uid=booking.uid, token=manage_token(booking)))
