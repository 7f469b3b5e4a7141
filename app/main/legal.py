"""The hub's legal texts: imprint and privacy notice, edited by admins as Markdown.

Every save publishes a new version and leaves the old ones as they were, so the privacy
notice a guest consented to (``Booking.guest_consent_version``) can always be shown again.
Until an admin publishes one, the built-in template is version 0.

Markdown is rendered with markdown-it-py in CommonMark mode with raw HTML off: what an
admin types can never become a script, a style or an image from another host; links go
only to ``http(s):`` and ``mailto:`` addresses.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markdown_it import MarkdownIt
from markupsafe import Markup

from app.extensions import db
from app.models import User
from app.models.legal import LegalDocument, LegalKind

MAX_BODY = 100_000
LINK_SCHEMES = ("http://", "https://", "mailto:")

TITLES = {LegalKind.IMPRINT: _l("Impressum"), LegalKind.PRIVACY: _l("Datenschutzhinweise")}
# What the audit log keeps: the same in every reader's language.
_LOG_TITLES = {LegalKind.IMPRINT: "Impressum", LegalKind.PRIVACY: "Datenschutzhinweise"}


class PublishConflict(Exception):
    """Somebody published a version of the same text after this editor was opened."""


def _valid_link(url: str) -> bool:
    return url.strip().lower().startswith(LINK_SCHEMES)


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False})
    md.disable("image")  # nothing is loaded from another host, whatever the text says
    md.validateLink = _valid_link

    def heading(renderer, tokens, idx, options, env):
        # The page has its own h1: a heading of level 1 in the text becomes an h2.
        if tokens[idx].tag == "h1":
            tokens[idx].tag = "h2"
        return renderer.renderToken(tokens, idx, options, env)

    md.add_render_rule("heading_open", heading)
    md.add_render_rule("heading_close", heading)
    return md


_MD = _markdown()


def render_markdown(text: str) -> Markup:
    """``text`` (Markdown) as safe HTML: no raw HTML, links only to http(s) and mailto."""
    return Markup(_MD.render((text or "").replace("\x00", "\ufffd")))  # noqa: S704 (escaped)


def current(kind: LegalKind | str) -> LegalDocument | None:
    """The newest published version of ``kind``; None while the built-in text applies."""
    return db.session.scalar(
        sa.select(LegalDocument)
        .where(LegalDocument.kind == str(kind))
        .order_by(LegalDocument.version.desc())
        .limit(1)
    )


def version(kind: LegalKind | str, number: int) -> LegalDocument | None:
    """Version ``number`` of ``kind``, None if it was never published (0 never is)."""
    return db.session.scalar(
        sa.select(LegalDocument).where(
            LegalDocument.kind == str(kind), LegalDocument.version == number
        )
    )


def history(kind: LegalKind | str) -> list[LegalDocument]:
    """Every published version of ``kind``, newest first, with who published it."""
    return list(
        db.session.scalars(
            sa.select(LegalDocument)
            .where(LegalDocument.kind == str(kind))
            .options(sa.orm.joinedload(LegalDocument.published_by))
            .order_by(LegalDocument.version.desc())
        )
    )


def body(document: LegalDocument, locale: str) -> tuple[str, bool]:
    """The text for ``locale`` and whether it is the German one standing in for it."""
    if locale != "de" and document.body_en.strip():
        return document.body_en, False
    return document.body_de, locale != "de"


def publish(
    kind: LegalKind, body_de: str, body_en: str, based_on: int, by: User | None
) -> LegalDocument:
    """Publish the next version after ``based_on`` (the version the editor showed) and log
    it; commits. PublishConflict when another version was published meanwhile: the unique
    (kind, version) constraint lets only one of two concurrent saves have the number."""
    from app.admin.audit import AuditAction, record  # here: app.admin imports this module

    if based_on < 0 or based_on > LegalDocument.number_in_force(kind):
        raise PublishConflict()
    document = LegalDocument(
        kind=kind.value,
        version=based_on + 1,
        body_de=body_de,
        body_en=body_en or "",
        published_by=by,
    )
    try:
        db.session.add(document)
        record(
            AuditAction.LEGAL_PUBLISHED,
            document,
            target_label=f"{_LOG_TITLES[kind]}, Version {document.version}",
            detail=f"{kind.value} v{document.version}",
            actor=by,
        )
        db.session.commit()
    except sa.exc.IntegrityError as error:
        db.session.rollback()
        raise PublishConflict() from error
    return document


def starting_text(kind: LegalKind, locale: str) -> str:
    """The built-in text (version 0) as Markdown in ``locale``, for a first edit."""
    hub, mail = current_app.config["HUB_NAME"], current_app.config["HUB_EMAIL"]
    with force_locale(locale):
        if kind == LegalKind.IMPRINT:
            parts = [
                f"## {_('Anbieter')}",
                f"{hub}  \nMusterstraße 1  \n41539 Dormagen  \n{_('E-Mail:')} <{mail}>",
                f"## {_('Vertreten durch')}",
                _("Die Geschäftsführung des Hubs (bitte Namen eintragen)."),
                f"## {_('Registereintrag und Umsatzsteuer-ID')}",
                _("Bitte Registergericht, Registernummer und USt-IdNr. ergänzen."),
                f"## {_('Verantwortlich für den Inhalt')}",
                _(
                    "Bitte Name und Anschrift der verantwortlichen Person ergänzen "
                    "(§ 18 Abs. 2 MStV)."
                ),
            ]
        else:
            parts = [
                f"## {_('Verantwortlicher')}",
                f"{hub}, Musterstraße 1, 41539 Dormagen, <{mail}>",
                f"## {_('Welche Daten wir verarbeiten')}",
                _(
                    "Für Ihr Konto: Name, E-Mail-Adresse, Unternehmen, Sprache und Zeitzone. "
                    "Für Beratungen: Termine, Ihre Agenda und Unterlagen, die Sie uns geben."
                ),
                _(
                    "Beraterinnen und Berater können freiwillig ein Porträtfoto zeigen. Wir "
                    "speichern davon nur einen verkleinerten Ausschnitt ohne Metadaten wie "
                    "Aufnahmeort, Zeit oder Kamera; sie können das Foto in ihrem Profil "
                    "jederzeit entfernen."
                ),
                f"## {_('Zweck und Rechtsgrundlage')}",
                _(
                    "Wir verarbeiten die Daten, um Beratungen anzubieten und durchzuführen "
                    "(Art. 6 Abs. 1 lit. b DSGVO) und mit Ihrer Einwilligung "
                    "(Art. 6 Abs. 1 lit. a DSGVO)."
                ),
                f"## {_('Cookies')}",
                _(
                    "Wir setzen nur technisch notwendige Cookies: für die Anmeldung, den "
                    "Schutz von Formularen sowie Ihre Sprache und Zeitzone. Es gibt kein "
                    "Tracking und keine Inhalte von Drittanbietern."
                ),
                f"## {_('Speicherdauer')}",
                _(
                    "Kontodaten speichern wir, bis Sie Ihr Konto löschen. Daten von "
                    "Gastbuchungen löschen wir nach Ablauf der Aufbewahrungsfrist automatisch."
                ),
                f"## {_('Ihre Rechte')}",
                _(
                    "Sie haben das Recht auf Auskunft, Berichtigung, Löschung, Einschränkung "
                    "der Verarbeitung, Datenübertragbarkeit und Widerspruch sowie das Recht, "
                    "sich bei einer Aufsichtsbehörde zu beschweren."
                ),
            ]
    return "\n\n".join(parts) + "\n"
