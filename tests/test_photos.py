"""Advisor portraits: only real JPEG/PNG/WebP images of bounded size, re-encoded without
metadata, changed only by the advisor themself or an admin, served under a changing URL."""

from __future__ import annotations

import io
import re
import struct
import zlib

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.extensions import db
from app.main.avatars import colour_index, initials
from app.models import Advisor, AdvisorPhoto, Role
from tests.conftest import HX

GPS_IFD = 0x8825
PHOTO_SRC = re.compile(r'src="(/berater/\d+/foto/[^"]+)"')


def image_bytes(fmt: str = "JPEG", size=(640, 480), colour=(200, 40, 40), **save) -> bytes:
    out = io.BytesIO()
    mode = "RGBA" if fmt in ("PNG", "WEBP") else "RGB"
    Image.new(mode, size, colour).save(out, fmt, **save)
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (51.0, 5.0, 30.0), 3: "E", 4: (6.0, 50.0, 0.0)})
    return image_bytes(exif=exif.tobytes())


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims ``width``×``height`` pixels in a few bytes (a decompression bomb's
    header), without allocating them here."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def advisor(make, world, auth):
    """Dr. Katharina Brandt, logged in."""
    with make.app.app_context():
        user_email = db.session.get(Advisor, world.brandt.id).user.email
    auth.login(user_email)
    return world.brandt


def upload(client, advisor_id: int, data: bytes, filename: str = "portrait.jpg", **kwargs):
    """POST the photo form as a browser does (multipart, with the CSRF token). The body is
    built here in memory: werkzeug's builder would leave a temporary file open for big ones."""
    photo = FileStorage(io.BytesIO(data), filename, content_type="application/octet-stream")
    fields = {"csrf_token": client.csrf_token(), "photo": photo}
    boundary, body = encode_multipart(fields)
    return client.post(
        f"/berater/{advisor_id}/foto",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        **kwargs,
    )


def stored(app, advisor_id: int) -> tuple[str | None, AdvisorPhoto | None]:
    with app.app_context():
        advisor = db.session.get(Advisor, advisor_id)
        photo = db.session.get(AdvisorPhoto, advisor_id)
        if photo is not None:
            db.session.expunge(photo)
        return advisor.photo_token, photo


def test_an_advisor_uploads_a_portrait_shown_on_the_profile_and_home_page(app, client, advisor):
    response = upload(client, advisor.id, image_bytes(size=(1200, 800)))
    assert response.status_code == 302 and response.headers["Location"] == "/konto/profil"
    token, photo = stored(app, advisor.id)
    assert token and photo.content_type == "image/jpeg"
    with Image.open(io.BytesIO(photo.image)) as image:
        assert image.format == "JPEG" and image.size == (256, 256)
    profile = client.get("/konto/profil").get_data(as_text=True)
    assert "Ihr Foto ist gespeichert." in profile
    assert f"/berater/{advisor.id}/foto/{token}" in profile
    assert f'src="/berater/{advisor.id}/foto/{token}"' in client.get("/").get_data(as_text=True)


def test_the_stored_portrait_has_no_exif_or_gps(app, client, advisor):
    upload(client, advisor.id, jpeg_with_gps())
    _, photo = stored(app, advisor.id)
    assert b"Exif" not in photo.image and b"PhoneMaker" not in photo.image
    with Image.open(io.BytesIO(photo.image)) as image:
        assert dict(image.getexif()) == {}


def test_transparent_png_and_webp_become_jpeg_on_white(app, client, advisor):
    for fmt in ("PNG", "WEBP"):
        response = upload(client, advisor.id, image_bytes(fmt, colour=(0, 0, 0, 0)), "p.png")
        assert response.status_code == 302, fmt
        _, photo = stored(app, advisor.id)
        with Image.open(io.BytesIO(photo.image)) as image:
            assert min(image.getpixel((128, 128))) >= 250, fmt


def test_the_photo_is_served_with_its_type_and_cached_for_a_year(app, client, advisor):
    upload(client, advisor.id, image_bytes())
    token, photo = stored(app, advisor.id)
    client.get("/konto/profil")  # the flash message is read; the visitor below is anonymous
    response = client.application.test_client().get(f"/berater/{advisor.id}/foto/{token}")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.data == photo.image
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_a_new_upload_changes_the_url_and_the_old_one_is_gone(app, client, advisor):
    upload(client, advisor.id, image_bytes(colour=(10, 10, 200)))
    first, _ = stored(app, advisor.id)
    upload(client, advisor.id, image_bytes(colour=(10, 200, 10)))
    second, _ = stored(app, advisor.id)
    assert first != second
    assert client.get(f"/berater/{advisor.id}/foto/{first}").status_code == 404
    assert client.get(f"/berater/{advisor.id}/foto/{second}").status_code == 200
    assert client.get(f"/berater/{advisor.id}/foto/erraten").status_code == 404


def test_removing_the_photo_brings_back_the_initials(app, client, advisor):
    upload(client, advisor.id, image_bytes())
    token, _ = stored(app, advisor.id)
    response = client.submit(f"/berater/{advisor.id}/foto/entfernen")
    assert response.status_code == 302
    assert stored(app, advisor.id) == (None, None)
    profile = client.get("/konto/profil").get_data(as_text=True)
    assert "Das Foto ist entfernt." in profile
    assert '<span class="avatar avatar-lg avatar-initials' in profile and ">KB</span>" in profile
    assert client.get(f"/berater/{advisor.id}/foto/{token}").status_code == 404


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"Das ist kein Bild, nur Text.\n" * 40, "portrait.jpg", "kein Bild, das wir lesen"),
        (image_bytes("GIF"), "animation.gif", "Format GIF nehmen wir nicht an"),
        (image_bytes("PNG", size=(800, 800))[:600], "abgebrochen.png", "beschädigt"),
        (png_header_only(20_000, 20_000), "bombe.png", "mehr als 24 Megapixel"),
        (png_header_only(6_000, 5_000), "gross.png", "mehr als 24 Megapixel"),
        (b"", "", "Bitte wählen Sie ein Foto aus."),
        (b"", "leer.jpg", "kein Bild, das wir lesen"),
    ],
    ids=[
        "text-named-jpg",
        "gif",
        "truncated-png",
        "bomb",
        "30-megapixels",
        "no-file",
        "empty-file",
    ],
)
def test_what_is_not_a_usable_image_is_refused_beside_the_field(
    app, client, advisor, data, filename, message
):
    response = upload(client, advisor.id, data, filename)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert 'aria-invalid="true"' in html and 'id="photo-error"' in html
    assert stored(app, advisor.id) == (None, None)


def test_a_10_mb_upload_is_refused_with_a_message_not_an_error_page(app, client, advisor):
    big = image_bytes() + b"\0" * (10 * 1024 * 1024)
    response = upload(client, advisor.id, big)
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Das Foto ist größer als 5 MB" in html and 'id="photo-error"' in html
    assert stored(app, advisor.id) == (None, None)


def test_a_photo_past_the_configured_limit_is_too_big(app, client, advisor):
    app.config["PHOTO_MAX_BYTES"] = 1536 * 1024
    response = upload(client, advisor.id, image_bytes() + b"\0" * (1536 * 1024))
    assert response.status_code == 422
    assert "Das Foto ist größer als 1,5 MB" in response.get_data(as_text=True)
    assert stored(app, advisor.id) == (None, None)


def test_htmx_gets_the_photo_section_back_with_the_error(app, client, advisor):
    response = upload(client, advisor.id, b"kein Bild", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" not in html and html.lstrip().startswith('<div id="photo-section"')
    assert "kein Bild, das wir lesen" in html


def test_upload_without_csrf_token_changes_nothing(app, client, advisor):
    response = client.post(
        f"/berater/{advisor.id}/foto",
        data={"photo": (io.BytesIO(image_bytes()), "p.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert stored(app, advisor.id) == (None, None)


def test_another_advisor_may_not_change_the_photo(app, client, auth, world):
    with app.app_context():
        becker_email = db.session.get(Advisor, world.becker.id).user.email
    auth.login(becker_email)
    assert upload(client, world.brandt.id, image_bytes()).status_code == 403
    assert client.submit(f"/berater/{world.brandt.id}/foto/entfernen").status_code == 403
    assert stored(app, world.brandt.id) == (None, None)


def test_a_10_mb_upload_to_someone_elses_photo_is_refused_as_forbidden(app, client, auth, world):
    auth.login(world.client.email)
    response = upload(client, world.brandt.id, b"\0" * (10 * 1024 * 1024))
    assert response.status_code == 403
    assert "Kein Zugriff" in response.get_data(as_text=True)


def test_a_client_may_not_and_a_visitor_must_log_in(app, client, auth, world):
    assert upload(client, world.brandt.id, image_bytes()).status_code == 302  # to login
    auth.login(world.client.email)
    assert upload(client, world.brandt.id, image_bytes()).status_code == 403
    assert stored(app, world.brandt.id) == (None, None)


def test_an_admin_may_change_any_advisors_photo(app, client, auth, make, world):
    auth.login(make.user(role=Role.ADMIN).email)
    page = client.get(f"/berater/{world.brandt.id}/foto")
    assert page.status_code == 200 and "Foto von Dr. Katharina Brandt" in page.get_data(True)
    response = upload(client, world.brandt.id, image_bytes())
    assert response.headers["Location"] == f"/berater/{world.brandt.id}/foto"
    token, _ = stored(app, world.brandt.id)
    assert token


def test_profile_offers_the_photo_only_to_advisors(client, auth, world, advisor):
    assert 'id="photo-form"' in client.get("/konto/profil").get_data(as_text=True)
    auth.logout()
    auth.login(world.client.email)
    assert 'id="photo-form"' not in client.get("/konto/profil").get_data(as_text=True)


def test_the_upload_form_is_multipart_with_its_token(client, advisor):
    html = client.get("/konto/profil").get_data(as_text=True)
    form = re.search(r'<form id="photo-form".*?</form>', html, re.S).group(0)
    assert 'enctype="multipart/form-data"' in form
    assert 'name="csrf_token"' in form
    assert 'accept="image/jpeg,image/png,image/webp"' in form


@pytest.mark.parametrize(
    ("name", "letters"),
    [
        ("Dr. Katharina Brandt", "KB"),
        ("Prof. Dr.-Ing. Jens Meyer", "JM"),
        ("Mehmet Yılmaz", "MY"),
        ("Anna-Lena Schulz", "AS"),
        ("Cher", "C"),
        ("", "?"),
    ],
)
def test_initials_skip_titles(name, letters):
    assert initials(name) == letters


def test_avatar_colour_is_stable_per_name():
    assert colour_index("Julia Hoffmann") == colour_index("julia hoffmann ")
    assert len({colour_index(f"Person {n}") for n in range(50)}) == 8
