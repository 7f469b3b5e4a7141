"""Account pages: register, verify, log in and out, reset, profile, invite colleagues."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import bp, invitations, service
from app.auth.forms import (
    ChangePasswordForm,
    EmailForm,
    InviteColleagueForm,
    InvitedRegistrationForm,
    LoginForm,
    ProfileForm,
    RegistrationForm,
    ResetPasswordForm,
)
from app.extensions import db, limiter
from app.i18n import remember_locale, select_locale, select_timezone
from app.main import photos
from app.tokens import InvalidToken
from app.web import form_status, redirect_target, render, wants_fragment


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _mail_limit() -> str:
    """Pages that send mail are limited, so nobody floods a stranger's inbox."""
    return current_app.config["MAIL_RATE_LIMIT"]


def _invite_limit() -> str:
    return current_app.config["INVITE_RATE_LIMIT"]


def _password_change_limit() -> str:
    return current_app.config["PASSWORD_CHANGE_RATE_LIMIT"]


def _per_user() -> str:
    """Rate-limit key of a logged-in user (their id, which no logout or password change
    resets), else of the client address."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()


def _unavailable_invitation(error: invitations.InvitationUnavailable) -> str:
    return {
        "used": _(
            "Diese Einladung wurde bereits verwendet. Wenn Sie sich damit registriert "
            "haben, melden Sie sich einfach an."
        ),
        "revoked": _(
            "Diese Einladung wurde zurückgezogen. Bitten Sie Ihre Kollegin oder Ihren "
            "Kollegen um eine neue."
        ),
        "expired": _(
            "Diese Einladung ist abgelaufen. Bitten Sie Ihre Kollegin oder Ihren Kollegen "
            "um eine neue."
        ),
    }.get(error.reason) or _invalid_link(InvalidToken())


def _invalid_link(error: InvalidToken) -> str:
    if error.expired:
        return _("Dieser Link ist abgelaufen. Bitte fordern Sie einen neuen an.")
    return _("Dieser Link ist ungültig. Bitte prüfen Sie, ob er vollständig kopiert wurde.")


def _to_check_mail():
    return redirect(url_for("auth.check_mail"))


@bp.get("/postfach")
def check_mail():
    """Where every mail-sending form ends: the same words whether or not anything was sent."""
    return render("auth/check_mail.html")


@bp.route("/registrieren", methods=["GET", "POST"])
@limiter.limit(_mail_limit, methods=["POST"])
def register():
    """Create a company account, or join a colleague's organisation by invitation.

    An invitation fixes the address: it is shown read-only and whatever was posted instead
    is ignored. Opening the link uses nothing up; registering does, once.
    """
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    invitation = None
    if secret := request.args.get("invitation"):
        try:
            invitation = invitations.read_invitation(secret)
        except invitations.InvitationUnavailable as error:
            flash(_unavailable_invitation(error), "error")
            return redirect(url_for("auth.register"))
    form_class = InvitedRegistrationForm if invitation else RegistrationForm
    form = form_class(email=invitation.email if invitation else None)
    if invitation is not None:
        form.email.data = invitation.email
    if not form.validate_on_submit():
        return render(
            "auth/register.html",
            block="form",
            status=form_status(form),
            form=form,
            invitation=invitation,
        )
    if form.website.data:  # the honeypot: answer as if all went well
        return _to_check_mail()
    fields = {}
    if invitation is None:
        fields = {
            "name": form.organisation_name.data.strip(),
            "industry": (form.industry.data or "").strip(),
            "city": (form.city.data or "").strip(),
            "size": form.size.data,
        }
    try:
        user = service.register_client(
            name=form.name.data,
            email=form.email.data,
            password=form.password.data,
            locale=select_locale(),
            timezone=select_timezone(),
            organisation_fields=fields,
            invitation=invitation,
        )
    except invitations.InvitationUnavailable as error:
        db.session.rollback()
        flash(_unavailable_invitation(error), "error")
        return redirect(url_for("auth.register"))
    db.session.commit()
    if user is not None and user.is_verified:
        login_user(user)
        flash(
            _("Willkommen, %(name)s! Ihr Konto ist eingerichtet.", name=user.name),
            "success",
        )
        return redirect(url_for("main.index"))
    return _to_check_mail()


@bp.route("/bestaetigen/<token>", methods=["GET", "POST"])
def verify_email(token: str):
    """Confirm the e-mail address: the mailed link shows a button, its POST confirms.

    Mail scanners (e.g. Outlook Safe Links) open every link before the person does, so
    opening it must change nothing.
    """
    try:
        user = service.user_to_verify(token)
    except InvalidToken as error:
        flash(_invalid_link(error), "error")
        return redirect(url_for("auth.resend_verification"))
    if request.method == "GET":  # CSRFProtect has refused any POST without its token
        return render("auth/verify_email.html", block="form", user=user)
    service.verify_email(token)
    db.session.commit()
    flash(
        _("Danke! Ihre E-Mail-Adresse ist bestätigt. Sie können sich jetzt anmelden."),
        "success",
    )
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(url_for("main.index"))
    return redirect(url_for("auth.login", email=user.email))


@bp.route("/bestaetigung-erneut", methods=["GET", "POST"])
@limiter.limit(_mail_limit, methods=["POST"])
def resend_verification():
    """Send the verification mail again; the answer never says whether the address exists."""
    form = EmailForm()
    if form.validate_on_submit():
        service.resend_verification(form.email.data)
        db.session.commit()
        return _to_check_mail()
    return render("auth/resend.html", block="form", status=form_status(form), form=form)


@bp.route("/anmelden", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    """Log in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(redirect_target())
    form = LoginForm(email=request.args.get("email"))
    unverified = False
    if form.validate_on_submit():
        user = service.authenticate(form.email.data, form.password.data)
        if user is None or not user.is_active:
            form.password.errors.append(
                _(
                    "E-Mail-Adresse oder Passwort ist falsch. Bitte prüfen Sie beides "
                    "oder setzen Sie Ihr Passwort über „Passwort vergessen?“ zurück."
                )
            )
        elif not user.is_verified:
            unverified = True
            form.email.errors.append(
                _(
                    "Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse "
                    "über den Link in unserer E-Mail."
                )
            )
        else:
            session.clear()
            login_user(user, remember=form.remember.data)
            db.session.commit()  # a password re-hashed at a higher cost is kept
            flash(_("Sie sind angemeldet."), "success")
            return redirect(redirect_target())
    return render(
        "auth/login.html", block="form", status=form_status(form), form=form, unverified=unverified
    )


@bp.post("/abmelden")
def logout():
    """Log out (a POST, so no image tag on another site can log anyone out).

    The server ends the session, not only the browser: a new session token makes copies of
    the session and remember-me cookies worthless. That logs out this user's other devices
    too — the price of cookies that carry no server-side session id of their own.
    """
    if current_user.is_authenticated:
        service.end_all_sessions(current_user)
        db.session.commit()
    session.clear()
    logout_user()  # after clear: it marks the remember-me cookie for deletion
    flash(_("Sie sind abgemeldet."), "success")
    return redirect(url_for("main.index"))


@bp.route("/passwort-vergessen", methods=["GET", "POST"])
@limiter.limit(_mail_limit, methods=["POST"])
def forgot_password():
    """Ask for a reset link; the answer is the same for known and unknown addresses."""
    form = EmailForm()
    if form.validate_on_submit():
        service.request_password_reset(form.email.data)
        db.session.commit()
        return _to_check_mail()
    return render("auth/forgot_password.html", block="form", status=form_status(form), form=form)


@bp.route("/passwort-neu/<token>", methods=["GET", "POST"])
@limiter.limit(_mail_limit, methods=["POST"])
def reset_password(token: str):
    """Choose a new password from a mailed link; every other session ends."""
    try:
        user = service.user_for_reset(token)
    except InvalidToken as error:
        flash(_invalid_link(error), "error")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        service.reset_password(user, form.password.data)
        db.session.commit()
        logout_user()
        flash(
            _("Ihr neues Passwort ist gespeichert. Bitte melden Sie sich an."),
            "success",
        )
        return redirect(url_for("auth.login", email=user.email))
    return render("auth/reset_password.html", block="form", status=form_status(form), form=form)


@bp.route("/profil", methods=["GET", "POST"])
@login_required
def profile():
    """Name, language and time zone of the logged-in user."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        current_user.name = form.name.data.strip()
        current_user.locale = form.locale.data
        current_user.timezone = form.timezone.data
        db.session.commit()
        flash(_("Ihr Profil ist gespeichert."), "success")
        return remember_locale(redirect(url_for("auth.profile")), form.locale.data)
    return render(
        "auth/profile.html",
        block="profile_form",
        status=form_status(form),
        form=form,
        password_form=ChangePasswordForm(formdata=None),
        **photos.profile_context(current_user),
    )


@bp.post("/passwort")
@login_required
@limiter.limit(_password_change_limit, key_func=_per_user)
def change_password():
    """Change the password; other devices are logged out, this one stays in."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            service.change_password(current_user, form.current_password.data, form.password.data)
        except service.AccountError:
            form.current_password.errors.append(
                _(
                    "Das aktuelle Passwort ist nicht richtig. Bitte geben Sie das Passwort ein, "
                    "mit dem Sie sich angemeldet haben."
                )
            )
        else:
            db.session.commit()
            login_user(current_user._get_current_object())
            flash(
                _("Ihr Passwort ist geändert. Andere Geräte wurden abgemeldet."),
                "success",
            )
            return redirect(url_for("auth.profile"))
    return render(
        "auth/profile.html",
        block="password_form",
        status=422,
        form=ProfileForm(obj=current_user, formdata=None),
        password_form=form,
        **photos.profile_context(current_user),
    )


def _organisation_page(form, status: int = 200, block: str = "form"):
    organisation = current_user.organisation
    return render(
        "auth/organisation.html",
        block=block,
        status=status,
        form=form,
        members=service.organisation_members(organisation),
        invitations=invitations.open_invitations(organisation),
    )


@bp.route("/organisation", methods=["GET", "POST"])
@login_required
@limiter.limit(_invite_limit, key_func=_per_user, methods=["POST"])
def organisation():
    """Members of the user's organisation, its open invitations, and a form to invite."""
    if current_user.organisation is None:
        abort(404)
    form = InviteColleagueForm()
    if form.validate_on_submit():
        try:
            invitations.invite_colleague(current_user, form.email.data)
        except invitations.InvitationRefused:
            form.email.errors.append(
                _(
                    "Sie haben heute schon zu viele Einladungen verschickt. "
                    "Bitte versuchen Sie es morgen wieder."
                )
            )
        else:
            db.session.commit()
            flash(
                _("Die Einladung an %(email)s ist unterwegs.", email=form.email.data),
                "success",
            )
            return redirect(url_for("auth.organisation"))
    return _organisation_page(form, status=form_status(form))


@bp.post("/organisation/einladungen/<int:invitation_id>/zurueckziehen")
@login_required
def revoke_invitation(invitation_id: int):
    """Revoke an open invitation of the user's own organisation (404 for any other)."""
    invitation = invitations.revoke_invitation(current_user, invitation_id)
    if invitation is None:
        abort(404)
    db.session.commit()
    flash(
        _("Die Einladung an %(email)s ist zurückgezogen.", email=invitation.email),
        "success",
    )
    if wants_fragment():
        return _organisation_page(InviteColleagueForm(formdata=None), block="invitations")
    return redirect(url_for("auth.organisation"))
