"""Advisor portraits: what an upload must be, and what is kept of it.

Rules, in the order they are checked:

1. At most ``max_bytes`` (config ``PHOTO_MAX_BYTES``): checked before anything is decoded.
2. A JPEG, PNG or WebP image, recognised by its content (never by the file name or the
   browser's content type). Other image formats are named in the refusal; anything else
   is "not an image".
3. At most ``max_pixels`` (config ``PHOTO_MAX_PIXELS``), read from the header before the
   pixels are decoded, so a small file that unpacks to gigabytes (a decompression bomb)
   costs nothing.
4. The whole image decodes: a truncated or damaged file is refused.

What is kept is a new JPEG of ``SIZE``×``SIZE`` pixels, cropped to a square around the upper
middle (where faces are), turned upright by its EXIF orientation and then re-encoded
without any metadata: camera, time and GPS position of the original never reach the
database (DSGVO: data minimisation).
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

SIZE = 256
CONTENT_TYPE = "image/jpeg"
ACCEPTED = {"JPEG", "PNG", "WEBP"}
# Recognised only to say which format it is; never decoded.
RECOGNISED = (*ACCEPTED, "GIF", "BMP", "TIFF", "ICO")


class PortraitRejected(ValueError):
    """An upload that cannot become a portrait; ``reason`` says which rule it broke."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason  # too_big, not_image, wrong_type, too_many_pixels, damaged
        self.detail = detail


def portrait_from_upload(data: bytes, max_bytes: int, max_pixels: int) -> bytes:
    """The JPEG portrait made of an uploaded file, or ``PortraitRejected``."""
    if len(data) > max_bytes:
        raise PortraitRejected("too_big")
    if not data:
        raise PortraitRejected("not_image")
    image = _open(data, max_pixels)
    try:
        if image.format == "JPEG":
            # Decode at 1/2…1/8 scale where the JPEG allows it: less memory, same result.
            image.draft("RGB", (SIZE * 2, SIZE * 2))
        image.load()
        image = ImageOps.exif_transpose(image)
        square = ImageOps.fit(
            _on_white(image), (SIZE, SIZE), Image.Resampling.LANCZOS, centering=(0.5, 0.4)
        )
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as error:
        raise PortraitRejected("damaged") from error
    out = io.BytesIO()
    # No exif=, no icc_profile=: nothing of the original's metadata is written.
    square.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    return out.getvalue()


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Read the header only; refuse anything but an accepted format of a sane size."""
    with warnings.catch_warnings():
        # Pillow warns (and past twice its limit refuses) on huge images; ours is lower.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=RECOGNISED)
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
            raise PortraitRejected("too_many_pixels") from error
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
            raise PortraitRejected("not_image") from error
    if image.format not in ACCEPTED:
        raise PortraitRejected("wrong_type", image.format or "")
    width, height = image.size
    if width * height > max_pixels:
        raise PortraitRejected("too_many_pixels")
    if width < 1 or height < 1:
        raise PortraitRejected("damaged")
    return image


def _on_white(image: Image.Image) -> Image.Image:
    """RGB; transparent parts (PNG, WebP) become white instead of black in the JPEG."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
