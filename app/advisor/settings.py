"""The Buchungsregeln page: what an advisor offers and their own booking rules.

``update_rules`` is the service: the advisor's rules only ever make a consultation type's
stricter (``app.booking.availability.rules_for``), so the page shows next to each rule what
the types require. Offering no type or no topic is allowed (an advisor may pause), but the
page warns that nobody can book them then.
"""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from flask import flash, redirect, url_for
from flask_babel import gettext as _

from app.advisor import bp, preview
from app.advisor.settings_forms import SettingsForm
from app.advisor.workspace import current_advisor
from app.auth.access import role_required
from app.booking.choice import active_types
from app.extensions import db
from app.models import Advisor, Role, Topic
from app.models.types import utcnow
from app.web import form_status, render, wants_fragment

PAGE = "advisor/settings.html"


def all_topics() -> list[Topic]:
    return list(db.session.scalars(sa.select(Topic).order_by(Topic.position, Topic.id)))


def update_rules(
    advisor: Advisor,
    offered: Collection[int],
    topics: Collection[int],
    buffer_minutes: int,
    notice_minutes: int | None,
    max_per_day: int | None,
) -> None:
    """Set the advisor's offer and own rules. ``offered`` and ``topics`` are ids: active
    types not among them are declined (inactive ones keep their state, as the page does not
    show them); ids of nothing are ignored. Flushes; the view commits."""
    kept = [ctype for ctype in advisor.declined_types if not ctype.active]
    advisor.declined_types = kept + [t for t in active_types() if t.id not in offered]
    advisor.topics = [topic for topic in all_topics() if topic.id in topics]
    advisor.buffer_minutes = buffer_minutes
    advisor.minimum_notice_minutes = notice_minutes
    advisor.max_per_day = max_per_day
    db.session.flush()


def _notice_hours(minutes: int | None) -> int | None:
    """Minutes as whole hours for the form, rounded up so the rule shown is never looser."""
    return None if minutes is None else -(-minutes // 60)


def _page(advisor: Advisor, form: SettingsForm, status: int = 200):
    return render(
        PAGE,
        block="rules",
        status=status,
        advisor=advisor,
        form=form,
        types=active_types(),
        topics=all_topics(),
        offered=set(form.offered.data or []),
        chosen_topics=set(form.topics.data or []),
        preview=preview.build(advisor, utcnow()),
    )


def _saved_form(advisor: Advisor) -> SettingsForm:
    return SettingsForm(
        formdata=None,
        offered=[t.id for t in active_types() if advisor.offers(t)],
        topics=[topic.id for topic in advisor.topics],
        buffer_minutes=advisor.buffer_minutes,
        notice_hours=_notice_hours(advisor.minimum_notice_minutes),
        max_per_day=advisor.max_per_day,
    )


@bp.get("/einstellungen")
@role_required(Role.ADVISOR)
def settings():
    """The saved offer and rules."""
    advisor = current_advisor()
    return _page(advisor, _saved_form(advisor))


@bp.post("/einstellungen")
@role_required(Role.ADVISOR)
def save_settings():
    """Validate and save; with HTMX the form comes back and the preview refetches itself."""
    advisor = current_advisor()
    form = SettingsForm()
    if not form.validate_on_submit():
        return _page(advisor, form, form_status(form))
    notice = form.notice_hours.data
    update_rules(
        advisor,
        offered={i for i in form.offered.data if i is not None},
        topics={i for i in form.topics.data if i is not None},
        buffer_minutes=form.buffer_minutes.data or 0,
        notice_minutes=None if notice is None else notice * 60,
        max_per_day=form.max_per_day.data,
    )
    db.session.commit()
    flash(_("Ihre Buchungsregeln sind gespeichert."), "success")
    if not wants_fragment():
        return redirect(url_for("advisor.settings"))
    response = _page(advisor, _saved_form(advisor))
    response.headers["HX-Trigger"] = "calendar-changed"
    return response
