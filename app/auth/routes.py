"""Account pages: register, verify, log in and out, reset, profile, invite colleagues."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import bp, service
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
from app.models import User
from app.tokens import InvalidToken
from app.web import form_status, redirect_target, render


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _mail_limit() -> str:
    """Pages that send mail are limited, so nobody floods a stranger's inbox."""
    return current_app.config["MAIL_RATE_LIMIT"]


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
    """Create a company account, or join a colleague's organisation by invitation."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    invitation = None
    if token := request.args.get("invitation"):
        try:
            invitation = service.read_invitation(token)
        except InvalidToken as error:
            flash(_invalid_link(error), "error")
            return redirect(url_for("auth.register"))
    form_class = InvitedRegistrationForm if invitation else RegistrationForm
    form = form_class(email=invitation.email if invitation else None)
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
    user = service.register_client(
        name=form.name.data,
        email=form.email.data,
        password=form.password.data,
        locale=select_locale(),
        timezone=select_timezone(),
        organisation=invitation.organisation if invitation else None,
        organisation_fields=fields,
        invited_email=invitation.email if invitation else None,
    )
    db.session.commit()
    if user is not None and user.is_verified:
        login_user(user)
        flash(
            _("Willkommen, %(name)s! Ihr Konto ist eingerichtet.", name=user.name),
            "success",
        )
        return redirect(url_for("main.index"))
    return _to_check_mail()


@bp.route("/bestaetigen/<token>")
def verify_email(token: str):
    """Confirm the e-mail address from the link in the verification mail."""
    try:
        user = service.verify_email(token)
    except InvalidToken as error:
        flash(_invalid_link(error), "error")
        return redirect(url_for("auth.resend_verification"))
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
        user = User.by_email(form.email.data)
        if user is not None and not user.is_verified:
            service.send_verification(user)
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
            form.password.errors.append(_("E-Mail-Adresse oder Passwort ist falsch."))
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
    """Log out (a POST, so no image tag on another site can log anyone out)."""
    logout_user()
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
    )


@bp.post("/passwort")
@login_required
def change_password():
    """Change the password; other devices are logged out, this one stays in."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            service.change_password(current_user, form.current_password.data, form.password.data)
        except service.AccountError:
            form.current_password.errors.append(_("Das aktuelle Passwort ist nicht richtig."))
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
    )


@bp.route("/organisation", methods=["GET", "POST"])
@login_required
def organisation():
    """Members of the user's organisation, and an invitation for a colleague."""
    if current_user.organisation is None:
        abort(404)
    form = InviteColleagueForm()
    if form.validate_on_submit():
        service.invite_colleague(current_user, form.email.data)
        db.session.commit()
        flash(
            _("Die Einladung an %(email)s ist unterwegs.", email=form.email.data),
            "success",
        )
        return redirect(url_for("auth.organisation"))
    return render(
        "auth/organisation.html",
        block="form",
        status=form_status(form),
        form=form,
        members=service.organisation_members(current_user.organisation),
    )
