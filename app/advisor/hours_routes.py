"""The Zeiten page: the advisor's weekly hours and their time zone, in one form.

The form's buttons (add, remove, copy a day to the working days, suggest a week) change the
draft and send it back unsaved; "Speichern" saves it. With HTMX the form swaps itself (the
``editor`` block, with the bookings the hours leave outside); without JavaScript the edits
come back as the page, and a save ends in a redirect (POST-redirect-GET).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.advisor import bp, conflicts, hours, preview
from app.advisor.hours_forms import HoursForm, draft_of, edit, parsed, read_draft, shown
from app.advisor.workspace import current_advisor
from app.auth.access import role_required
from app.extensions import db
from app.models import Advisor, Role
from app.models.types import utcnow
from app.web import render, wants_fragment

PAGE = "advisor/hours.html"
DAY_NAMES = (
    _l("Montag"),
    _l("Dienstag"),
    _l("Mittwoch"),
    _l("Donnerstag"),
    _l("Freitag"),
    _l("Samstag"),
    _l("Sonntag"),
)


def _page(
    advisor: Advisor, form: HoursForm, draft, status=200, errors=None, focus=None, unsaved=False
):
    """The page, or for HTMX the editor block; ``draft`` is the week the form shows, an
    edit not saved yet when ``unsaved``."""
    now = utcnow()
    return render(
        PAGE,
        block="editor",
        status=status,
        advisor=advisor,
        form=form,
        days=[(day, DAY_NAMES[day], shown(draft[day])) for day in hours.WEEKDAYS],
        errors=errors or {},
        focus=focus,
        unsaved=unsaved,
        max_ranges=hours.MAX_RANGES_PER_DAY,
        conflicts=conflicts.outside_hours(advisor, now),
        zone=ZoneInfo(advisor.timezone),
        preview=preview.build(advisor, now),
    )


@bp.get("/zeiten", endpoint="hours")
@role_required(Role.ADVISOR)
def hours_page():
    """The saved week and zone."""
    advisor = current_advisor()
    form = HoursForm(formdata=None, timezone=advisor.timezone)
    return _page(advisor, form, draft_of(hours.week_of(advisor)))


@bp.post("/zeiten")
@role_required(Role.ADVISOR)
def save_hours():
    """Edit the draft (a button other than save), or validate and save week and zone."""
    advisor = current_advisor()
    form = HoursForm()
    draft = read_draft(request.form)
    edited = edit(draft, request.form.get("action", "save")[:20])
    if edited is not None:
        return _page(advisor, form, edited[0], focus=edited[1], unsaved=True)
    week, errors = parsed(draft)
    errors = {**hours.week_errors(week), **errors}
    if not form.validate_on_submit() or errors:
        return _page(advisor, form, draft, status=422, errors=errors)
    hours.replace_week(advisor, week)
    advisor.timezone = form.timezone.data
    db.session.commit()
    flash(
        _("Ihre Zeiten sind gespeichert. Der Buchungskalender zeigt sie ab sofort.")
        if advisor.has_hours
        else _("Gespeichert. Ohne Zeiten bietet der Buchungskalender Sie nicht an."),
        "success",
    )
    if not wants_fragment():
        return redirect(url_for("advisor.hours"))
    saved = HoursForm(formdata=None, timezone=advisor.timezone)
    # The swap replaces the button that was pressed: keep the keyboard on the new one.
    response = _page(advisor, saved, draft_of(hours.week_of(advisor)), focus="save")
    response.headers["HX-Trigger"] = "calendar-changed"
    return response
