"""Uploaded files whose kind is read from their own bytes — the magic numbers at the start,
and for images the header Pillow reads — never from the file name or the content type the
browser sent (both are the uploader's word, and a renamed file would pass them).

Used by the signed paper of a treatment plan (PDF, JPEG or PNG) and the practice's logo
(JPEG or PNG). The refusals are Hungarian sentences for the form field."""

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
MAGIC: dict[str, bytes] = {
    PDF: b"%PDF-",
    PNG: b"\x89PNG\r\n\x1a\n",
    JPEG: b"\xff\xd8\xff",
}
EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg"}
NAMES = {PDF: "PDF", PNG: "PNG", JPEG: "JPEG"}
PILLOW_FORMATS = {PNG: "PNG", JPEG: "JPEG"}


@dataclass(frozen=True)
class Sniffed:
    content_type: str
    width: int | None = None  # pixels, images only
    height: int | None = None


def sniff(data: bytes, allowed: tuple[str, ...]) -> str | None:
    """The allowed type the bytes begin like, or None."""
    for content_type in allowed:
        if data.startswith(MAGIC[content_type]):
            return content_type
    return None


def upload_check(
    data: bytes,
    *,
    allowed: tuple[str, ...],
    max_bytes: int,
    max_pixels: tuple[int, int] | None = None,
    field: str = "file",
) -> Sniffed:
    """The upload's kind and, for an image, its pixel size — or a ValidationError naming what
    is wrong: empty, too large, not one of the allowed kinds (whatever its name says), an image
    that does not decode, or one larger than max_pixels (width, height)."""
    kinds = ", ".join(NAMES[t] for t in allowed)
    if not data:
        raise ValidationError({field: [_("A fájl üres.")]})
    if len(data) > max_bytes:
        raise ValidationError(
            {
                field: [
                    _("A fájl túl nagy (%(size)s MB); legfeljebb %(max)s MB lehet.")
                    % {"size": _mb(len(data)), "max": _mb(max_bytes)}
                ]
            }
        )
    content_type = sniff(data, allowed)
    if content_type is None:
        raise ValidationError(
            {
                field: [
                    _(
                        "A fájl tartalma nem %(kinds)s (a fájl nevét és kiterjesztését nem "
                        "vesszük figyelembe)."
                    )
                    % {"kinds": kinds}
                ]
            }
        )
    if content_type not in PILLOW_FORMATS:
        return Sniffed(content_type)
    width, height = _image_size(data, content_type, field)
    if max_pixels is not None and (width > max_pixels[0] or height > max_pixels[1]):
        raise ValidationError(
            {
                field: [
                    _(
                        "A kép túl nagy (%(w)s × %(h)s képpont); legfeljebb %(mw)s × %(mh)s "
                        "képpont lehet."
                    )
                    % {"w": width, "h": height, "mw": max_pixels[0], "mh": max_pixels[1]}
                ]
            }
        )
    return Sniffed(content_type, width, height)


def _image_size(data: bytes, content_type: str, field: str) -> tuple[int, int]:
    from PIL import Image, UnidentifiedImageError

    unreadable = ValidationError(
        {
            field: [
                _("A kép nem olvasható: sérült vagy nem %(kind)s.") % {"kind": NAMES[content_type]}
            ]
        }
    )
    try:
        # Image.open reads the header only; verify() walks the data without decoding pixels
        # (no memory for a huge canvas). A decompression bomb's size is refused by Pillow.
        with Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[content_type]]) as image:
            size = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise unreadable from None
    return int(size[0]), int(size[1])


def _mb(size: int) -> str:
    return number_format(size / 1024 / 1024, 1)
