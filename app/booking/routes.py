"""The booking journey: choose type and topic → pick a slot → tell us the agenda → booked."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app import tokens
from app.booking import bp, service
from app.booking.choice import (
    ANY_ADVISOR,
    Choice,
    asked_day,
    parse_start,
    read_choice,
    week_of,
)
from app.booking.forms import BookingForm, ConfirmForm, GuestBookingForm
from app.booking.freshness import cached, fragment_key, remember
from app.booking.links import manage_token, uid_from
from app.booking.offer import choose, current_offer
from app.booking.picker import open_month, week_view
from app.canvas import attach
from app.database import is_transient
from app.extensions import db, limiter
from app.i18n import (
    ZONE_PARAM,
    is_known_timezone,
    remember_timezone,
    select_locale,
    select_timezone,
    zone_is_a_guess,
)
from app.models import Booking, BookingStatus
from app.models.types import utcnow
from app.web import form_status, render, wants_fragment


def _booking_limit() -> str:
    return current_app.config["BOOKING_RATE_LIMIT"]


def _viewer_zone() -> ZoneInfo:
    return ZoneInfo(select_timezone())


@bp.get("/")
def start():
    """The journey starts at the picker: type, topic and advisor are chosen right there."""
    return redirect(url_for("booking.picker", **request.args))


@bp.get("/termine")
def picker():
    """Step 2: choose type, topic and advisor, then a day of the month and a free time.

    Works as plain links and forms; with HTMX every change swaps only the picker. The
    HTMX fragment is the hot path: it is cached under the versions of the catalogue and of
    the topic's advisors (see ``freshness``), so a repeat costs no query and no slot
    computation.
    """
    now, zone = utcnow(), _viewer_zone()
    key = _picker_cache_key(now, zone)
    response = _cached_fragment(key) or _render_picker(now, zone, key)
    if request.args.get(ZONE_PARAM) == zone.key:
        remember_timezone(response, zone.key)
    return response


def _picker_block() -> str:
    """Day and month links swap only the calendar: no need to send the choice form again."""
    return "slots" if request.headers.get("HX-Target") == "slot-picker" else "picker"


def _picker_cache_key(now: datetime, zone: ZoneInfo) -> str | None:
    if not wants_fragment() or session.get("_flashes") or not request.args.get("topic"):
        return None
    topic, advisor = request.args["topic"], request.args.get("advisor", ANY_ADVISOR)
    wanted = (_picker_block(), get_locale(), zone.key, request.args.get(ZONE_PARAM, ""))
    asked = (asked_day(request.args), request.args.get("type", ""))
    return fragment_key("picker", now, topic, advisor, *wanted, *asked)


def _cached_fragment(key: str | None) -> Response | None:
    html = cached(key)
    return Response(html, mimetype="text/html") if html is not None else None


def _render_picker(now: datetime, zone: ZoneInfo, key: str | None) -> Response:
    offer = current_offer()
    choice = choose(offer, request.args)
    response = render(
        "booking/picker.html",
        block=_picker_block(),
        offer=offer,
        choice=choice,
        journey=journey_params(choice) if choice else {},
        advisor_gone=bool(choice) and choice.advisor is None and _asked_advisor(),
        month=open_month(choice, zone, now, asked_day(request.args)) if choice else None,
        zone=zone,
        zone_guessed=zone_is_a_guess(),
    )
    remember(key, response.get_data(as_text=True))
    return response


def _asked_advisor() -> bool:
    return request.args.get("advisor", ANY_ADVISOR) != ANY_ADVISOR


def journey_params(choice: Choice) -> dict[str, str]:
    """What every link of the journey carries on: the choice, and a zone chosen here."""
    chosen = request.values.get(ZONE_PARAM)
    return choice.params() | ({ZONE_PARAM: chosen} if is_known_timezone(chosen) else {})


def _form_for_viewer():
    if not current_user.is_authenticated:
        return GuestBookingForm()
    form = BookingForm()
    form.offer(attach.offers(current_user.organisation_id))
    return form


def flash_invalid_time() -> None:
    flash(_("Diese Uhrzeit ist ungültig. Bitte wählen Sie einen Termin aus der Liste."), "error")


def explain(error: service.BookingError) -> str:
    """What a booking rule's "no" means for the person, one message per kind of refusal."""
    if isinstance(error, service.OutsideWindow):
        return _("Diese Zeit liegt außerhalb des Buchungszeitraums. Bitte wählen Sie eine andere.")
    if isinstance(error, service.HoldAtSameTime) and error.confirmed:
        return _(
            "Für diese E-Mail-Adresse ist zu dieser Zeit schon ein Termin gebucht. "
            "Bitte wählen Sie eine andere Zeit."
        )
    if isinstance(error, service.HoldAtSameTime):
        return _(
            "Für diese E-Mail-Adresse wartet schon ein Termin zur selben Zeit auf Bestätigung. "
            "Bitte bestätigen Sie ihn über den Link in unserer E-Mail oder wählen Sie eine "
            "andere Zeit."
        )
    if isinstance(error, service.TooManyHolds):
        return _(
            "Für diese E-Mail-Adresse warten schon %(count)d Termine auf Bestätigung. Bitte "
            "bestätigen Sie diese zuerst über die Links in unseren E-Mails; danach können Sie "
            "weitere buchen.",
            count=error.limit,
        )
    if isinstance(error, service.SlotUnavailable):
        return _("Dieser Termin wurde gerade vergeben. Bitte wählen Sie eine andere Zeit.")
    if isinstance(error, service.NotChangeable):
        if request.endpoint == "booking.cancel":
            return _(
                "Dieser Termin kann nicht mehr abgesagt werden. Er hat begonnen, ist vorbei "
                "oder gilt nicht mehr; bei Fragen antworten Sie bitte auf unsere E-Mail."
            )
        return _(
            "Dieser Termin kann nicht mehr verschoben werden. Er hat begonnen, ist vorbei "
            "oder gilt nicht mehr; bitte buchen Sie stattdessen einen neuen Termin."
        )
    if isinstance(error, service.HoldExpired):
        return _(
            "Der Bestätigungslink ist abgelaufen; der Termin wurde wieder freigegeben. "
            "Bitte wählen Sie einen neuen Termin."
        )
    if isinstance(error, service.Busy):
        return _("Gerade ändern viele gleichzeitig Termine. Bitte versuchen Sie es noch einmal.")
    return _("Diese Buchung ist so nicht möglich. Bitte beginnen Sie noch einmal.")


def _requested_week(zone: ZoneInfo) -> str | None:
    """The local date of the start time the request asked for, if it names one."""
    try:
        start = parse_start(request.form.get("start") or request.args.get("start"))
    except ValueError:
        return None
    return start.astimezone(zone).date().isoformat()


def _choose_again(message: str, status: int, week: str | None):
    """The booking form again, with fresh times to pick from and everything typed kept."""
    choice, zone, now = read_choice(request.args), _viewer_zone(), utcnow()
    form = _form_for_viewer()
    form.validate()
    form.form_errors.append(message)
    return render(
        "booking/book.html",
        block="booking",
        status=status,
        choice=choice,
        journey=journey_params(choice),
        form=form,
        start=None,
        week=week_view(choice, week_of(week, zone, now), zone, now),
        zone=zone,
    )


@bp.errorhandler(service.BookingError)
def refused(error: service.BookingError):
    """Every "no" of a booking rule, answered in one place: undo, explain, offer a way on.

    Booking: the form again with fresh times (409). Moving or cancelling: back to the
    booking, or to the picker when another time may work. A confirmation link: the start.
    """
    db.session.rollback()
    message = explain(error)
    retry = isinstance(error, service.SlotUnavailable | service.Busy)
    if request.endpoint == "booking.book":
        return _choose_again(message, 409 if retry else 400, _requested_week(_viewer_zone()))
    flash(message, "error")
    uid, token = (request.view_args or {}).get("uid"), request.values.get("token")
    if request.endpoint == "booking.reschedule" and retry:
        week = _requested_week(_viewer_zone())
        return redirect(url_for("booking.reschedule", uid=uid, token=token, day=week))
    if request.endpoint == "booking.cancel" and retry:
        return redirect(url_for("booking.cancel", uid=uid, token=token))
    if uid is not None:
        return redirect(url_for("booking.show", uid=uid, token=token))
    if request.endpoint == "booking.confirm_guest" and retry:
        return redirect(request.path)
    return redirect(url_for("booking.start"))


@bp.errorhandler(sa.exc.DBAPIError)
def conflicted(error: sa.exc.DBAPIError):
    """A deadlock or serialization failure is no 500: "just taken", or "please try again"."""
    if not is_transient(error):
        raise error
    db.session.rollback()
    return refused(
        service.SlotUnavailable() if request.endpoint == "booking.book" else service.Busy()
    )


@bp.route("/buchen", methods=["GET", "POST"])
@limiter.limit(_booking_limit, methods=["POST"])
def book():
    """Step 3: the agenda (and, for guests, who they are); then the booking is made."""
    choice = read_choice(request.args)
    if not choice.topic.active:  # an old link: the topic is no longer offered
        flash(
            _(
                "Zu diesem Thema bieten wir keine Termine mehr an. Bitte wählen Sie ein "
                "anderes Thema."
            ),
            "error",
        )
        return redirect(url_for("booking.picker", type=choice.ctype.slug))
    zone = _viewer_zone()
    form = _form_for_viewer()
    try:
        # The form's choice wins: after "just taken" the user picks a fresh time in the form.
        start = parse_start(request.form.get("start") or request.args.get("start"))
    except ValueError:
        if request.method == "POST":
            message = _("Bitte wählen Sie eine der freien Zeiten.")
            return _choose_again(message, 422, request.form.get("week"))
        flash_invalid_time()
        return redirect(url_for("booking.picker", **journey_params(choice)))
    if request.method == "GET" and not service.free_candidates(
        choice.advisors, choice.ctype, start, utcnow()
    ):
        # A past, off-grid or taken time: say so now, not after the form is filled in.
        flash(
            _("Diese Zeit ist nicht (mehr) frei. Bitte wählen Sie eine der freien Zeiten."), "error"
        )
        day = start.astimezone(zone).date().isoformat()
        return redirect(url_for("booking.picker", day=day, **journey_params(choice)))
    if not form.validate_on_submit():
        return render(
            "booking/book.html",
            block="booking",
            status=form_status(form),
            choice=choice,
            journey=journey_params(choice),
            form=form,
            start=start,
            zone=zone,
        )
    if getattr(form, "website", None) is not None and form.website.data:
        abort(400)  # the honeypot: only bots fill it
    guest = None
    if not current_user.is_authenticated:
        guest = service.Guest(form.guest_name.data, form.guest_email.data, form.guest_company.data)
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
    if form.canvas is not None and form.canvas.data:
        attach.attach(booking, form.canvas.data)
    db.session.commit()
    # A pending booking's page says itself what to do next (the mail, until when).
    if booking.status != "pending":
        flash(_("Ihr Termin ist gebucht. Eine Bestätigung ist per E-Mail unterwegs."), "success")
    return redirect(url_for("booking.show", uid=booking.uid, token=manage_token(booking)))


@bp.route("/bestaetigen/<token>", methods=["GET", "POST"])
def confirm_guest(token: str):
    """The guest's double opt-in link shows the booking and a button; only the POST confirms.

    Mail scanners (e.g. Outlook Safe Links) open every link before the person does; a GET
    that confirmed would defeat the double opt-in.
    """
    try:
        uid = uid_from(token, tokens.CONFIRM_BOOKING)
    except tokens.InvalidToken as error:
        if not error.expired:
            flash(
                _(
                    "Dieser Bestätigungslink ist ungültig. Bitte öffnen Sie ihn vollständig aus "
                    "unserer E-Mail oder wählen Sie einen neuen Termin."
                ),
                "error",
            )
            return redirect(url_for("booking.start"))
        raise service.HoldExpired() from error
    booking = db.session.scalar(sa.select(Booking).where(Booking.uid == uid)) or abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        service.confirm_guest_booking(booking)
        db.session.commit()
    elif booking.status != BookingStatus.CONFIRMED.value:
        if booking.status != BookingStatus.PENDING.value or booking.hold_expires_at <= utcnow():
            raise service.HoldExpired()
        return render("booking/confirm.html", booking=booking, token=token, form=form)
    flash(_("Danke! Ihr Termin ist bestätigt."), "success")
    return redirect(url_for("booking.show", uid=booking.uid, token=manage_token(booking)))
