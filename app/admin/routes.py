"""The hub's administration: accounts (search, edit, (de)activate, mails sent again, who
reviews canvases) and organisations. The rules are in ``app.admin.account_changes``."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin import account_changes, accounts, bp, paging
from app.admin.forms import OrganisationForm, StaffUserForm, UserForm
from app.admin.organisations import (
    change_organisation,
    open_invitations,
    organisation_members,
    search_organisations,
    upcoming_bookings,
)
from app.auth import service
from app.auth.access import role_required
from app.extensions import db
from app.models import Advisor, Organisation, Role, User
from app.models.types import utcnow
from app.web import form_status, render, wants_fragment

USERS = "admin/users.html"
USER = "admin/user.html"


def _list_context() -> dict:
    filters = accounts.user_filter(request.args)
    return {
        "filters": filters,
        "found": accounts.search_users(filters),
        # Translated once for the page, not once per row (lazy strings are slow to read).
        "role_labels": {key: str(label) for key, label in accounts.ROLE_LABELS.items()},
        "status_labels": {key: str(label) for key, label in accounts.STATUS_LABELS.items()},
        "statuses": accounts.Status,
    }


@bp.route("/nutzer", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def users():
    """All accounts, searchable and filtered, and a form to add an advisor or admin (they
    get a welcome mail). HTMX: the search swaps the results, the form itself."""
    form = StaffUserForm()
    if form.validate_on_submit():
        try:
            user = account_changes.create_staff(
                email=form.email.data, name=form.name.data, role=Role(form.role.data)
            )
        except service.AccountError:
            form.email.errors.append(
                _(
                    "Unter dieser E-Mail-Adresse gibt es bereits ein Konto. "
                    "Bitte nehmen Sie eine andere Adresse."
                )
            )
        else:
            db.session.commit()
            flash(
                _("%(name)s wurde angelegt und per E-Mail eingeladen.", name=user.name),
                "success",
            )
            return redirect(url_for("admin.users"))
    block = "form" if request.method == "POST" else "results"
    return render(USERS, block=block, status=form_status(form), form=form, **_list_context())


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _user_page(user: User, form: UserForm | None = None, block: str = "content", status=200):
    roles = {role: accounts.ROLE_LABELS[role] for role in account_changes.allowed_roles(user)}
    advisor = db.session.scalar(sa.select(Advisor).where(Advisor.user_id == user.id))
    return render(
        USER,
        block=block,
        status=status,
        user=user,
        form=form or UserForm(roles, obj=user, formdata=None),
        status_label=accounts.STATUS_LABELS[accounts.status_of(user)],
        erased=user.erased_at is not None,
        role_labels=accounts.ROLE_LABELS,
        advisor=advisor,
        counts=accounts.booking_counts(user),
        may_resend=account_changes.can_resend_invitation(user),
        # Whether an advisor can be booked is set on the advisor's admin page, where served.
        advisor_url=url_for("admin.advisor", advisor_id=advisor.id)
        if advisor is not None and "admin.advisor" in current_app.view_functions
        else None,
    )


@bp.route("/nutzer/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def user(user_id: int):
    """One account: what it is, and its name and role to change."""
    user = _user_or_404(user_id)
    roles = {role: accounts.ROLE_LABELS[role] for role in account_changes.allowed_roles(user)}
    form = UserForm(roles, obj=user) if request.method == "POST" else None
    if form is not None and form.validate_on_submit():
        try:
            changes = account_changes.change_user(
                user, name=form.name.data, role=form.role.data, actor=current_user
            )
        except account_changes.Refused as refusal:
            db.session.rollback()
            user = _user_or_404(user_id)
            form.role.errors = [str(refusal)]
        else:
            db.session.commit()
            if changes:
                flash(_("Die Änderungen an %(name)s sind gespeichert.", name=user.name), "success")
            return redirect(url_for("admin.user", user_id=user.id))
    if form is not None:
        return _user_page(user, form, block="form", status=422 if form.errors else 200)
    return _user_page(user)


@bp.route("/nutzer/<int:user_id>/aktiv", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def user_activation(user_id: int):
    """Activate (``aktiv=1``) or deactivate (``aktiv=0``) an account; a GET asks first
    whether to deactivate and says what that does."""
    user = _user_or_404(user_id)
    if request.method == "GET":
        return render("admin/user_deactivate.html", user=user, erased=user.erased_at is not None)
    active = request.form.get("aktiv") == "1"
    try:
        changed = account_changes.set_active(user, active, actor=current_user)
    except account_changes.Refused as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
    else:
        db.session.commit()
        if changed:
            flash(
                _("%(name)s kann sich wieder anmelden.", name=user.name)
                if active
                else _(
                    "%(name)s ist deaktiviert und überall abgemeldet.",
                    name=user.name,
                ),
                "success",
            )
    return redirect(url_for("admin.user", user_id=user_id))


def _send(user_id: int, action, done: str):
    user = _user_or_404(user_id)
    try:
        action(user)
    except account_changes.Refused as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
    else:
        db.session.commit()
        flash(done % {"name": user.name, "email": user.email}, "success")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/nutzer/<int:user_id>/einladung")
@role_required(Role.ADMIN)
def user_resend_invitation(user_id: int):
    """Mail the welcome (staff) or the verification link (unconfirmed client) again."""
    return _send(
        user_id,
        account_changes.resend_invitation,
        _("Die Einladung an %(name)s (%(email)s) ist erneut unterwegs."),
    )


@bp.post("/nutzer/<int:user_id>/passwort")
@role_required(Role.ADMIN)
def user_password_reset(user_id: int):
    """Mail the person a link to choose a new password; the admin never sees it."""
    return _send(
        user_id,
        account_changes.send_password_reset,
        _("%(name)s bekommt einen Link zum Zurücksetzen des Passworts an %(email)s."),
    )


@bp.post("/nutzer/<int:user_id>/pruefung")
@role_required(Role.ADMIN)
def set_reviewer(user_id: int):
    """Let an advisor review canvases (``pruefen=1``), or no longer (``pruefen=0``)."""
    advisor = db.session.scalar(sa.select(Advisor).where(Advisor.user_id == user_id))
    if advisor is None or advisor.user.erased_at is not None:
        abort(404)
    account_changes.set_reviewer(advisor, request.form.get("pruefen") == "1")
    db.session.commit()
    name = advisor.user.name
    flash(
        _("%(name)s darf jetzt Canvases prüfen.", name=name)
        if advisor.is_reviewer
        else _("%(name)s prüft keine Canvases mehr.", name=name),
        "success",
    )
    back = request.form.get("next")
    if back == "user":
        return redirect(url_for("admin.user", user_id=user_id))
    return redirect(url_for("admin.users", _anchor=f"user-{user_id}"))


# --------------------------------------------------------------------------- organisations


@bp.get("/organisationen")
@role_required(Role.ADMIN)
def organisations():
    """All organisations, searchable, with their members and bookings counted."""
    text = paging.clean_query(request.args.get("q"))
    return render(
        "admin/organisations.html",
        block="results",
        query=text,
        found=search_organisations(text, paging.page_number(request.args.get("seite"))),
    )


@bp.route("/organisationen/<int:organisation_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def organisation(organisation_id: int):
    """One organisation: its details to edit, its members, bookings ahead, invitations."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    form = OrganisationForm(obj=organisation)
    if form.validate_on_submit():
        changes = change_organisation(
            organisation,
            name=form.name.data,
            industry=form.industry.data or "",
            city=form.city.data or "",
            size=form.size.data,
        )
        db.session.commit()
        if changes:
            flash(_("„%(name)s“ ist gespeichert.", name=organisation.name), "success")
        return redirect(url_for("admin.organisation", organisation_id=organisation.id))
    now = utcnow()
    return render(
        "admin/organisation.html",
        block="form" if request.method == "POST" or wants_fragment() else "content",
        status=form_status(form),
        form=form,
        organisation=organisation,
        members=organisation_members(organisation),
        upcoming=upcoming_bookings(organisation, now),
        invitations=open_invitations(organisation, now),
        role_labels=accounts.ROLE_LABELS,
        status_of=accounts.status_of,
        status_labels=accounts.STATUS_LABELS,
    )
