"""What the hub offers: consultation types, topics and who advises on them."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.admin import bp
from app.admin.audit import AuditAction, record
from app.admin.catalog_forms import ConsultationTypeForm, TopicForm
from app.auth.access import role_required
from app.extensions import db
from app.i18n import localised
from app.models import Advisor, Booking, ConsultationType, Role, Topic
from app.web import form_status, render

SLUG_TAKEN = _l("Dieser Kurzname ist schon vergeben. Bitte wählen Sie einen anderen.")


def _slug_taken(model, slug: str, own_id: int | None) -> bool:
    query = sa.select(model.id).where(model.slug == slug)
    if own_id is not None:
        query = query.where(model.id != own_id)
    return db.session.scalar(query) is not None


@bp.get("/beratungsarten")
@role_required(Role.ADMIN)
def consultation_types():
    """All consultation types, active or not."""
    types = db.session.scalars(
        sa.select(ConsultationType).order_by(ConsultationType.position, ConsultationType.id)
    ).all()
    return render("admin/consultation_types.html", types=types)


@bp.route("/beratungsarten/neu", methods=["GET", "POST"], defaults={"type_id": None})
@bp.route("/beratungsarten/<int:type_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_consultation_type(type_id: int | None):
    """Create or change a type; existing bookings keep the times they were made with."""
    ctype = db.session.get(ConsultationType, type_id) if type_id else ConsultationType()
    if ctype is None:
        abort(404)
    form = ConsultationTypeForm(obj=ctype if type_id else None)
    if form.validate_on_submit():
        if _slug_taken(ConsultationType, form.slug.data, type_id):
            form.slug.errors.append(str(SLUG_TAKEN))
        else:
            form.populate_obj(ctype)
            db.session.add(ctype)
            record(AuditAction.TYPE_SAVED, ctype, target_label=ctype.name_de)
            db.session.commit()
            flash(_("„%(name)s“ ist gespeichert.", name=localised(ctype, "name")), "success")
            return redirect(url_for("admin.consultation_types"))
    return render(
        "admin/consultation_type_form.html",
        block="form",
        status=form_status(form),
        form=form,
        ctype=ctype if type_id else None,
    )


@bp.get("/themen")
@role_required(Role.ADMIN)
def topics():
    """All topics with the advisors who advise on them."""
    found = db.session.scalars(
        sa.select(Topic)
        .options(selectinload(Topic.advisors).selectinload(Advisor.user))
        .order_by(Topic.position, Topic.id)
    ).all()
    return render("admin/topics.html", topics=found)


@bp.route("/themen/neu", methods=["GET", "POST"], defaults={"topic_id": None})
@bp.route("/themen/<int:topic_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_topic(topic_id: int | None):
    """Create or change a topic and choose its advisors."""
    topic = db.session.get(Topic, topic_id) if topic_id else Topic()
    if topic is None:
        abort(404)
    advisors = db.session.scalars(
        sa.select(Advisor).options(selectinload(Advisor.user)).order_by(Advisor.id)
    ).all()
    form = TopicForm(obj=topic if topic_id else None)
    chosen = {a.id for a in topic.advisors} if topic_id else set()
    if form.validate_on_submit():
        ticked = set(request.form.getlist("advisor_ids"))  # compared as text: no int() to fail
        chosen = {a.id for a in advisors if str(a.id) in ticked}
        if _slug_taken(Topic, form.slug.data, topic_id):
            form.slug.errors.append(str(SLUG_TAKEN))
        else:
            form.populate_obj(topic)
            topic.advisors = [a for a in advisors if a.id in chosen]
            db.session.add(topic)
            record(AuditAction.TOPIC_SAVED, topic, target_label=topic.name_de)
            db.session.commit()
            flash(_("„%(name)s“ ist gespeichert.", name=localised(topic, "name")), "success")
            return redirect(url_for("admin.topics"))
    return render(
        "admin/topic_form.html",
        block="form",
        status=form_status(form),
        form=form,
        topic=topic if topic_id else None,
        advisors=advisors,
        chosen=chosen,
    )


# --- deleting, or deactivating what bookings still refer to ------------------------------

DELETE_KINDS = {
    # model: (the booking column that refers to it, its list, the two audit actions)
    ConsultationType: (
        Booking.consultation_type_id,
        "admin.consultation_types",
        AuditAction.TYPE_DELETED,
        AuditAction.TYPE_DEACTIVATED,
    ),
    Topic: (
        Booking.topic_id,
        "admin.topics",
        AuditAction.TOPIC_DELETED,
        AuditAction.TOPIC_DEACTIVATED,
    ),
}


def _delete_or_deactivate(model, row_id: int):
    """GET: what deleting would do; POST: delete it, or (``action=deactivate``, or when
    bookings refer to it) only deactivate it. Bookings never lose their type or topic."""
    entry = db.session.get(model, row_id) or abort(404)
    column, listing, deleted, deactivated = DELETE_KINDS[model]
    references = db.session.scalar(sa.select(sa.func.count()).where(column == row_id))
    name = localised(entry, "name")
    status = 200
    if request.method == "POST":
        if request.form.get("action") == "deactivate":
            if entry.active:
                entry.active = False
                record(deactivated, entry, target_label=entry.name_de)
                db.session.commit()
            flash(
                _("„%(name)s“ ist deaktiviert und wird nicht mehr angeboten.", name=name),
                "success",
            )
            return redirect(url_for(listing))
        if not references:
            record(deleted, entry, target_label=entry.name_de)
            db.session.delete(entry)
            db.session.commit()
            flash(_("„%(name)s“ ist gelöscht.", name=name), "success")
            return redirect(url_for(listing))
        status = 409  # referenced meanwhile: explained below, nothing deleted
    return render(
        "admin/catalog_delete.html",
        status=status,
        entry=entry,
        name=name,
        references=references,
        is_topic=model is Topic,
        listing=listing,
    )


@bp.route("/beratungsarten/<int:type_id>/loeschen", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def delete_consultation_type(type_id: int):
    """Delete a type no booking refers to; otherwise offer to deactivate it."""
    return _delete_or_deactivate(ConsultationType, type_id)


@bp.route("/themen/<int:topic_id>/loeschen", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def delete_topic(topic_id: int):
    """Delete a topic no booking refers to; otherwise offer to deactivate it."""
    return _delete_or_deactivate(Topic, topic_id)
