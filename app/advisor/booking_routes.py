"""The booking details page of the advisor workspace."""

from __future__ import annotations

from app.advisor import bp
from app.advisor.workspace import booking_or_404
from app.auth.access import role_required
from app.models import Role
from app.web import render


@bp.get("/termin/<int:booking_id>")
@role_required(Role.ADVISOR, Role.ADMIN)
def booking(booking_id: int):
    """A booking's details, its private notes and its outcome."""
    return render("advisor/booking.html", booking=booking_or_404(booking_id))
