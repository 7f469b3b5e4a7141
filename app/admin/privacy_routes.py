"""Data-protection requests answered by the administration: export an account's or a guest
address's data, erase a guest address, erase an account.

Every answer is in the audit log with a masked address (``mask_email``), never the address
itself. An unknown address gets a neutral message: the page tells nothing about who is
registered beyond what the admin may see anyway, and never fails.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.admin import bp
from app.admin.audit import AuditAction, mask_email, record
from app.auth.access import role_required
from app.extensions import db
from app.models import Booking, Role, User
from app.models.booking import ACTIVE_STATUSES, Advisor
from app.models.types import utcnow
from app.privacy.erasure import erase_guest as erase_guest_bookings
from app.privacy.erasure import erase_user, upcoming_bookings
from app.privacy.export import dated_filename, download, export_guest, export_user
from app.privacy.forms import ConfirmEmailForm, EmailForm, LookupForm
from app.web import render

NOTHING_FOUND = _l(
    "Zu dieser Adresse haben wir nichts gefunden. Bitte prüfen Sie die Schreibweise; "
    "gelöschte Daten lassen sich nicht mehr finden."
)


def _page(status: int = 200, lookup=None, guest=None, account=None, message: str = ""):
    return render(
        "admin/privacy.html",
        status=status,
        lookup=lookup or LookupForm(formdata=None),
        guest_form=guest or EmailForm(formdata=None, prefix="guest"),
        account_form=account or EmailForm(formdata=None, prefix="account"),
        message=message,
    )


def _from_query(prefix: str) -> EmailForm:
    """The confirmation steps are GETs: the address comes in the query, without CSRF."""
    return EmailForm(formdata=request.args, prefix=prefix, meta={"csrf": False})


def _guest_counts(address: str, now) -> tuple[int, int]:
    match = Booking.of_guest(address)
    total, upcoming = db.session.execute(
        sa.select(
            sa.func.count(Booking.id),
            sa.func.count(Booking.id).filter(
                Booking.status.in_(ACTIVE_STATUSES), Booking.start > now
            ),
        ).where(match)
    ).one()
    return total, upcoming


@bp.get("/datenschutz")
@role_required(Role.ADMIN)
def privacy_requests():
    """The three requests: export, erase a guest address, erase an account."""
    return _page()


@bp.post("/datenschutz/export")
@role_required(Role.ADMIN)
def privacy_export():
    """An account's or a guest address's data as a ZIP; audited."""
    form = LookupForm()
    if not form.validate_on_submit():
        return _page(422, lookup=form)
    address = User.normalise_email(form.email.data)
    masked = mask_email(address)
    if form.kind.data == "account":
        user = User.by_email(address)
        if user is None:
            return _page(404, lookup=form, message=str(NOTHING_FOUND))
        data = export_user(user)
        record(AuditAction.DATA_EXPORTED_FOR_USER, user, target_label=masked)
        locale = user.locale
    else:
        data = export_guest(address)
        if not data["bookings"]:
            return _page(404, lookup=form, message=str(NOTHING_FOUND))
        record(
            AuditAction.DATA_EXPORTED_FOR_GUEST,
            target_label=masked,
            detail=f"bookings={len(data['bookings'])}",
        )
        locale = "de"
    db.session.commit()
    return download(data, dated_filename("datenauskunft"), locale)


@bp.route("/datenschutz/gast-loeschen", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def privacy_erase_guest():
    """GET: what erasing a guest address would do; POST: do it."""
    now = utcnow()
    if request.method == "POST":
        form = ConfirmEmailForm()
        if not form.validate_on_submit():
            return _page(422, message=str(NOTHING_FOUND))
        address = User.normalise_email(form.email.data)
        total, upcoming = _guest_counts(address, now)
        if not total:
            return _page(404, message=str(NOTHING_FOUND))
        erase_guest_bookings(address, actor=current_user, now=now)
        record(
            AuditAction.GUEST_ERASED,
            target_label=mask_email(address),
            detail=f"bookings={total} cancelled={upcoming}",
        )
        db.session.commit()
        flash(
            _(
                "Die Gastdaten sind gelöscht: %(total)d Termine anonymisiert, "
                "%(upcoming)d abgesagt.",
                total=total,
                upcoming=upcoming,
            ),
            "success",
        )
        return redirect(url_for("admin.privacy_requests"))
    form = _from_query("guest")
    if not form.validate():
        return _page(422, guest=form)
    address = User.normalise_email(form.email.data)
    total, upcoming = _guest_counts(address, now)
    if not total:
        return _page(404, guest=form, message=str(NOTHING_FOUND))
    return render(
        "admin/privacy_confirm.html",
        kind="guest",
        masked=mask_email(address),
        total=total,
        upcoming_count=upcoming,
        form=ConfirmEmailForm(formdata=None, email=address),
        action=url_for("admin.privacy_erase_guest"),
    )


def _erasable(user: User | None) -> str | None:
    """Why this account cannot be erased here (None: it can)."""
    if user is None or user.erased_at is not None:
        return str(NOTHING_FOUND)
    if user.id == current_user.id:
        return _("Ihr eigenes Konto können Sie hier nicht löschen.")
    if user.role == Role.ADMIN:
        admins = db.session.scalar(
            sa.select(sa.func.count(User.id)).where(
                User.role == Role.ADMIN.value, User.active, User.erased_at.is_(None)
            )
        )
        if admins <= 1:
            return _("Das letzte Administrationskonto kann nicht gelöscht werden.")
    advisor = Advisor.of_user(user)
    if advisor is not None:
        pending = db.session.scalar(
            sa.select(sa.func.count(Booking.id)).where(
                Booking.advisor_id == advisor.id,
                Booking.status.in_(ACTIVE_STATUSES),
                Booking.start > utcnow(),
            )
        )
        if pending:
            return _(
                "Diese Beraterin oder dieser Berater hat noch %(count)d kommende Termine. "
                "Bitte weisen Sie sie zuerst neu zu oder sagen Sie sie ab.",
                count=pending,
            )
    return None


@bp.route("/datenschutz/konto-loeschen", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def privacy_erase_user():
    """GET: what erasing an account would do; POST: do it."""
    now = utcnow()
    if request.method == "POST":
        form = ConfirmEmailForm()
        if not form.validate_on_submit():
            return _page(422, message=str(NOTHING_FOUND))
        user = User.by_email(form.email.data)
        if problem := _erasable(user):
            return _page(409 if user else 404, message=problem)
        masked = mask_email(user.email)
        cancelled = erase_user(user, actor=current_user, now=now)
        record(
            AuditAction.USER_ERASED,
            user,
            target_label=masked,
            detail=f"cancelled={cancelled}",
        )
        db.session.commit()
        flash(
            _(
                "Das Konto ist gelöscht; %(count)d kommende Termine wurden abgesagt.",
                count=cancelled,
            ),
            "success",
        )
        return redirect(url_for("admin.privacy_requests"))
    form = _from_query("account")
    if not form.validate():
        return _page(422, account=form)
    user = User.by_email(form.email.data)
    if problem := _erasable(user):
        return _page(409 if user else 404, account=form, message=problem)
    upcoming = upcoming_bookings(user, now)
    total = db.session.scalar(
        sa.select(sa.func.count(Booking.id)).where(Booking.booked_by_id == user.id)
    )
    return render(
        "admin/privacy_confirm.html",
        kind="account",
        masked=mask_email(user.email),
        person=user,
        total=total,
        upcoming_count=len(upcoming),
        upcoming=upcoming,
        form=ConfirmEmailForm(formdata=None, email=user.email),
        action=url_for("admin.privacy_erase_user"),
    )
