"""The slot rules as the app applies them: exceptions as stored, and the daily maximum as the
admin form takes it (the rules themselves: tests/test_slots.py)."""

from __future__ import annotations

import sqlalchemy as sa

from app.booking.availability import rules_for
from app.extensions import db
from app.models import ConsultationType, Role

TYPE_FORM = {
    "name_de": "Workshop Geschäftsmodell",
    "name_en": "Business model workshop",
    "slug": "workshop",
    "duration_minutes": "90",
    "buffer_before_minutes": "0",
    "buffer_after_minutes": "0",
    "minimum_notice_minutes": "1440",
    "horizon_days": "60",
    "location_kind": "video",
    "active": "y",
}


def test_daily_maximum_starts_at_one_and_empty_means_no_limit(app, client, auth, make):
    """SlotRules refuses a maximum below 1, so the admin form does too."""
    auth.login(make.user(role=Role.ADMIN).email)
    refused = client.submit("/admin/beratungsarten/neu", {**TYPE_FORM, "max_per_day": "0"})
    assert refused.status_code == 422
    assert "Bitte eine Zahl von 1 bis 20." in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ConsultationType.id))) == 0

    client.submit("/admin/beratungsarten/neu", {**TYPE_FORM, "max_per_day": ""})
    with app.app_context():
        ctype = db.session.scalar(sa.select(ConsultationType))
        assert ctype.max_per_day is None
        assert rules_for(ctype).max_per_day is None
