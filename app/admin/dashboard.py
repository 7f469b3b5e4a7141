"""The dashboard's figures for a date range, assembled (``build``): a constant number of
statements whatever the number of bookings.

* bookings per ISO week by status, guest vs account, the no-show and cancellation rates and
  the demand by topic and by consultation type: ``booking_figures`` (one grouped query);
* advisor utilisation, booked over offered hours: ``utilisation``;
* canvases by status, and the median time from a submission to the reviewer's decision:
  ``canvas_figures``;
* the range itself (``?von=…&bis=…``): ``date_range``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.admin.booking_figures import (
    BookingFigures,
    Demand,
    booking_counts,
    booking_rows,
    demand_by_topic,
    demand_by_type,
)
from app.admin.canvas_figures import CanvasFigures, canvas_figures
from app.admin.date_range import DateRange
from app.admin.utilisation import Utilisation, utilisation


@dataclass(frozen=True)
class Dashboard:
    span: DateRange
    bookings: BookingFigures
    utilisation: list[Utilisation]
    topics: list[Demand]
    types: list[Demand]
    canvases: CanvasFigures

    @property
    def booked_hours(self) -> float:
        return sum(u.booked_hours for u in self.utilisation)

    @property
    def offered_hours(self) -> float:
        return sum(u.offered_hours for u in self.utilisation)

    @property
    def overall_utilisation(self) -> float | None:
        return self.booked_hours / self.offered_hours if self.offered_hours else None


def build(session: Session, span: DateRange) -> Dashboard:
    rows = booking_rows(session, span)
    return Dashboard(
        span=span,
        bookings=booking_counts(session, span, rows),
        utilisation=utilisation(session, span, rows),
        topics=demand_by_topic(session, span, rows),
        types=demand_by_type(session, span, rows),
        canvases=canvas_figures(session, span),
    )


__all__ = ["Dashboard", "build"]
