""" "In den Kalender": a booking as an ``.ics`` file, for whoever may see its page."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Response, abort
from flask_babel import get_locale
from flask_login import current_user

from app.booking import bp, invites
from app.booking.access import booking_or_404
from app.booking.links import manage_url
from app.booking.notifications import advisor_url
from app.i18n import select_timezone
from app.models import BookingStatus


@bp.get("/termin/<uid>/kalender.ics")
def calendar_file(uid: str):
    """The booking as its page's viewer sees it, in their language (METHOD:PUBLISH).

    The same rules as the page: the manage token or a login that may see it, else 404. A
    guest's booking still waiting for confirmation is in no calendar yet; a cancelled one
    downloads as cancelled, so importing it removes the event.
    """
    booking, token = booking_or_404(uid)
    if booking.status == BookingStatus.PENDING:
        abort(404)
    is_advisor = current_user.is_authenticated and current_user.id == booking.advisor.user_id
    audience = invites.ADVISOR if is_advisor else invites.BOOKER
    # Whoever came with the manage link keeps it; a logged-in viewer gets the page behind
    # the login, so a shared file lets nobody change the booking.
    link = manage_url(booking) if token and not is_advisor else advisor_url(booking)
    text = invites.download(booking, audience, str(get_locale()), link)
    day = booking.start.astimezone(ZoneInfo(select_timezone())).strftime("%Y-%m-%d")
    return Response(
        text,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'attachment; filename="termin-{day}.ics"',
            # Names and the agenda: for this viewer only, never kept in a shared cache.
            "Cache-Control": "private, no-store",
        },
    )
