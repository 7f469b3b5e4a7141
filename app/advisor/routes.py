"""The Kalender page of an advisor: subscription feed, fixed video link, busy-time import.

Each form posts to its own address and, with HTMX, gets back its own part of the page
(``render`` with a block); without JavaScript every POST ends in a redirect to the page.
CSRFProtect guards every POST (the buttons' forms carry only the token).
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, url_for
from flask_babel import gettext as _

from app.advisor import bp, service
from app.advisor.forms import ImportForm, MeetingLinkForm
from app.advisor.workspace import current_advisor
from app.auth.access import role_required
from app.calendar.fetch import normalise_url
from app.extensions import db
from app.models import Advisor, Role
from app.models.types import utcnow
from app.web import external_url, form_status, render, wants_fragment

PAGE = "advisor/calendar.html"


def feed_urls(advisor: Advisor) -> tuple[str, str] | None:
    """The subscription address as https and as webcal (which opens calendar apps)."""
    if not advisor.feed_token:
        return None
    https = external_url("feed.advisor_feed", token=advisor.feed_token)
    return https, "webcal://" + https.partition("://")[2]


def _page(advisor: Advisor, block: str = "content", status: int = 200, **forms):
    """The page, or its ``block`` for HTMX; ``forms`` holds a form sent back with errors."""
    external = service.external_calendar(advisor)
    meeting_form = forms.get("meeting_form") or MeetingLinkForm(
        formdata=None, meeting_link=advisor.meeting_link
    )
    import_form = forms.get("import_form") or ImportForm(
        formdata=None, url=external.url if external else None
    )
    return render(
        PAGE,
        block=block,
        status=status,
        advisor=advisor,
        feed=feed_urls(advisor),
        external=external,
        import_error=service.import_error(external.error, external.error_detail)
        if external
        else None,
        meeting_form=meeting_form,
        import_form=import_form,
    )


def _done(advisor: Advisor, block: str):
    """After a change: the changed part for HTMX, else back to the page (POST-redirect-GET)."""
    db.session.commit()
    if wants_fragment():
        return _page(advisor, block)
    return redirect(url_for("advisor.calendar"))


@bp.get("/kalender")
@role_required(Role.ADVISOR)
def calendar():
    """The page; it reads only (the feed is set up by a POST, see ``new_feed``)."""
    return _page(current_advisor())


@bp.post("/kalender/feed")
@role_required(Role.ADVISOR)
def new_feed():
    """Set up the feed, or replace its address: the old one stops working at once."""
    advisor = current_advisor()
    replaced = advisor.feed_token is not None
    service.new_feed_token(advisor)
    if replaced:
        flash(
            _(
                "Neuer Link erzeugt. Der bisherige funktioniert nicht mehr: Bitte abonnieren "
                "Sie den neuen in Ihrem Kalender."
            ),
            "success",
        )
    else:
        flash(_("Ihr Kalender-Abo ist eingerichtet."), "success")
    return _done(advisor, "feed")


@bp.post("/kalender/videolink")
@role_required(Role.ADVISOR)
def meeting_link():
    """Save (or clear) the fixed video link."""
    advisor = current_advisor()
    form = MeetingLinkForm()
    if not form.validate_on_submit():
        return _page(advisor, "meeting_form", form_status(form), meeting_form=form)
    service.set_meeting_link(advisor, form.meeting_link.data or "")
    flash(
        _("Ihr fester Videolink ist gespeichert.")
        if advisor.meeting_link
        else _("Jede neue Videoberatung bekommt wieder ihren eigenen Raum."),
        "success",
    )
    return _done(advisor, "meeting_form")


@bp.post("/kalender/import")
@role_required(Role.ADVISOR)
def connect():
    """Store the address of the advisor's own calendar; the worker fetches it at once."""
    advisor = current_advisor()
    form = ImportForm()
    if not form.validate_on_submit():
        return _page(advisor, "import", form_status(form), import_form=form)
    # webcal:// is https with a hint for calendar apps: stored as the import fetches it.
    service.connect_calendar(advisor, normalise_url(form.url.data), utcnow())
    flash(_("Die Adresse ist gespeichert. Wir rufen Ihren Kalender jetzt ab."), "success")
    return _done(advisor, "import")


@bp.post("/kalender/import/abrufen")
@role_required(Role.ADVISOR)
def fetch_now():
    """Ask the worker to fetch the calendar now rather than at its next round."""
    advisor = current_advisor()
    if service.request_fetch(advisor, utcnow()) is None:
        abort(404)
    return _done(advisor, "import")


@bp.post("/kalender/import/entfernen")
@role_required(Role.ADVISOR)
def disconnect():
    """Remove the connection and the imported busy times; the times are bookable again."""
    advisor = current_advisor()
    if service.disconnect_calendar(advisor):
        flash(
            _("Die Verbindung ist entfernt. Die übernommenen belegten Zeiten sind gelöscht."),
            "success",
        )
    return _done(advisor, "import")


@bp.get("/kalender/import/status")
@role_required(Role.ADVISOR)
def import_status():
    """The import's status, polled by the page while a fetch is pending."""
    advisor = current_advisor()
    if not wants_fragment():
        return redirect(url_for("advisor.calendar"))
    if service.external_calendar(advisor) is None:  # removed meanwhile, e.g. in another tab
        return Response("", mimetype="text/html")  # the status goes, and with it the polling
    return _page(advisor, "import_status")
