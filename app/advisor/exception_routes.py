"""The Abwesenheiten page: days off, special hours and public holidays of an advisor.

Each form posts to its own address. With HTMX a form with errors gets itself back (422);
a saved change answers with the whole ``absences`` part (list, forms, bookings now outside
the hours), retargeted there, and triggers ``calendar-changed`` so the preview refreshes.
Without JavaScript every POST ends in a redirect to the page (POST-redirect-GET).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from app.advisor import bp, conflicts, preview
from app.advisor import exceptions as absences
from app.advisor.exception_forms import AbsenceForm, HolidayForm, SpecialHoursForm
from app.advisor.public_holidays import REGIONS
from app.advisor.workspace import current_advisor
from app.auth.access import role_required
from app.extensions import db
from app.models import Advisor, Role
from app.models.types import utcnow
from app.web import form_status, render, wants_fragment

PAGE = "advisor/exceptions.html"


def _locale() -> str:
    return str(get_locale() or "de")


def _page(advisor: Advisor, block: str = "content", status: int = 200, **forms):
    """The page, or its ``block`` for HTMX; ``forms`` holds a form sent back with errors."""
    now = utcnow()
    today = absences.local_today(advisor, now)
    holiday_form = forms.get("holiday_form")
    if holiday_form is None:
        holiday_form = HolidayForm(
            request.args if "region" in request.args else None,
            region=advisor.holiday_region or "",
            year=today.year,
            today=today,
            meta={"csrf": False},
        )
        if "region" in request.args:
            holiday_form.validate()
    plan = None
    if holiday_form.region.data in REGIONS and not holiday_form.errors:
        plan = absences.holiday_plan(
            advisor, holiday_form.region.data, holiday_form.year.data, today, _locale()
        )
    return render(
        PAGE,
        block=block,
        status=status,
        advisor=advisor,
        today=today,
        entries=absences.upcoming(advisor, today),
        absence_form=forms.get("absence_form") or AbsenceForm(formdata=None, today=today),
        special_form=forms.get("special_form") or SpecialHoursForm(formdata=None, today=today),
        holiday_form=holiday_form,
        plan=plan,
        conflicts=conflicts.outside_hours(advisor, now),
        zone=ZoneInfo(advisor.timezone),
        preview=preview.build(advisor, now) if block == "content" else None,
    )


def _saved(advisor: Advisor):
    """After a change: the refreshed part for HTMX (and the preview told), else the page."""
    db.session.commit()
    if not wants_fragment():
        return redirect(url_for("advisor.exceptions"))
    response = _page(advisor, "absences")
    response.headers["HX-Retarget"] = "#absences"
    response.headers["HX-Reswap"] = "outerHTML"
    response.headers["HX-Trigger"] = "calendar-changed"
    return response


@bp.get("/abwesenheiten")
@role_required(Role.ADVISOR)
def exceptions():
    """The page; with ``region`` and ``year`` it previews that year's holidays."""
    return _page(current_advisor(), "holidays" if wants_fragment() else "content")


def _today(advisor: Advisor):
    return absences.local_today(advisor, utcnow())


@bp.post("/abwesenheiten/abwesenheit")
@role_required(Role.ADVISOR)
def add_absence():
    """Add days off: vacation, illness, a trade fair …"""
    advisor = current_advisor()
    form = AbsenceForm(today=_today(advisor))
    if not form.validate_on_submit():
        return _page(advisor, "absence_form", form_status(form), absence_form=form)
    if absences.is_off(advisor, form.first_day.data, form.last):
        flash(_("Diese Tage sind schon als frei eingetragen."), "success")
    else:
        absences.add_absence(advisor, form.first_day.data, form.last, form.reason.data or "")
        flash(
            _("Die Abwesenheit ist eingetragen. An diesen Tagen kann niemand Sie buchen."),
            "success",
        )
    return _saved(advisor)


@bp.post("/abwesenheiten/sonderzeiten")
@role_required(Role.ADVISOR)
def add_special_hours():
    """Add hours that replace the weekly ones on some dates."""
    advisor = current_advisor()
    today = _today(advisor)
    form = SpecialHoursForm(today=today)
    valid = form.validate_on_submit()
    if valid and absences.special_hours_clash(advisor, form.first_day.data, form.last, today):
        form.first_day.errors.append(
            _(
                "Für einen dieser Tage gibt es schon Sonderzeiten. Bitte löschen Sie diese "
                "zuerst, wenn Sie sie ersetzen möchten."
            )
        )
        valid = False
    if not valid:
        return _page(advisor, "special_form", 422, special_form=form)
    absences.add_special_hours(
        advisor, form.first_day.data, form.last, form.ranges, form.reason.data or ""
    )
    flash(
        _("Die Sonderzeiten sind eingetragen. An diesen Tagen gelten sie statt der Wochenzeiten."),
        "success",
    )
    return _saved(advisor)


@bp.post("/abwesenheiten/feiertage")
@role_required(Role.ADVISOR)
def add_holidays():
    """Add the shown year's public holidays of a Bundesland as days off, once each."""
    advisor = current_advisor()
    today = _today(advisor)
    form = HolidayForm(today=today)
    if not form.validate_on_submit():
        return _page(advisor, "holidays", form_status(form), holiday_form=form)
    plan = absences.add_holidays(advisor, form.region.data, form.year.data, today, _locale())
    added = sum(1 for h in plan if h.status == absences.NEW)
    there = sum(1 for h in plan if h.status == absences.THERE)
    message = ngettext("%(num)d Feiertag eingetragen.", "%(num)d Feiertage eingetragen.", added)
    if there:
        message += " " + ngettext(
            "%(num)d war schon eingetragen.", "%(num)d waren schon eingetragen.", there
        )
    flash(message, "success")
    return _saved(advisor)


@bp.post("/abwesenheiten/<int:exception_id>/loeschen")
@role_required(Role.ADVISOR)
def delete_exception(exception_id: int):
    """Delete an absence or special hours: the weekly hours count again on those days."""
    advisor = current_advisor()
    if absences.delete(advisor, exception_id) is None:
        abort(404)
    flash(_("Gelöscht. An diesen Tagen gelten wieder Ihre Wochenzeiten."), "success")
    return _saved(advisor)
