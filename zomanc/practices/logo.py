"""The practice's logo (PracticeLogo): set, removed and read. Printed in the header of the
practice's quotes (plans/pdf.py). PNG or JPEG, its kind and pixel size read from the bytes
(core/uploads.py), never from the name; size- and pixel-limited so a quote's PDF stays small
and a decompression bomb never reaches WeasyPrint. Owners only (Perm.SETTINGS_EDIT, in the
views); every change audited in its transaction."""

import hashlib

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from zomanc.accounts.models import User
from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.core.uploads import JPEG, NAMES, PNG, upload_check
from zomanc.practices.models import Practice, PracticeLogo

LOGO_TYPES = (PNG, JPEG)
LOGO_MAX_BYTES = 1024 * 1024
# Printed some 4 cm wide: 2000 px is 1270 dpi there, plenty for any printer.
LOGO_MAX_PIXELS = (2000, 2000)


@transaction.atomic
def practice_logo_set(
    *, practice: Practice, actor: User, image: bytes, request: HttpRequest | None = None
) -> PracticeLogo:
    """Stores (or replaces) the practice's logo; refused with a Hungarian message for the
    field "logo" when it is not a readable PNG or JPEG within the limits."""
    sniffed = upload_check(
        image,
        allowed=LOGO_TYPES,
        max_bytes=LOGO_MAX_BYTES,
        max_pixels=LOGO_MAX_PIXELS,
        field="logo",
    )
    assert sniffed.width is not None and sniffed.height is not None
    digest = hashlib.sha256(image).hexdigest()
    logo, created = PracticeLogo.objects.update_or_create(
        practice=practice,
        defaults={
            "image": image,
            "content_type": sniffed.content_type,
            "width": sniffed.width,
            "height": sniffed.height,
            "sha256": digest,
            "uploaded_by": actor,
        },
    )
    audit_record(
        practice=practice,
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=logo,
        summary=_("A rendelő logója feltöltve (%(kind)s, %(w)s × %(h)s képpont)")
        % {"kind": NAMES[sniffed.content_type], "w": sniffed.width, "h": sniffed.height},
        changes={"sha256": [None, digest], "content_type": [None, sniffed.content_type]},
        request=request,
    )
    return logo


@transaction.atomic
def practice_logo_remove(
    *, practice: Practice, actor: User, request: HttpRequest | None = None
) -> bool:
    """Removes the logo; False when there was none (nothing to audit)."""
    logo = PracticeLogo.objects.filter(practice=practice).only("pk", "sha256").first()
    if logo is None:
        return False
    audit_record(
        practice=practice,
        actor=actor,
        action=AuditAction.DELETE,
        obj=logo,
        summary=_("A rendelő logója törölve"),
        changes={"sha256": [logo.sha256, None]},
        request=request,
    )
    logo.delete()
    return True


def practice_logo(practice_id: int) -> PracticeLogo | None:
    return PracticeLogo.objects.filter(practice_id=practice_id).first()


def practice_has_logo(practice_id: int) -> bool:
    return PracticeLogo.objects.filter(practice_id=practice_id).exists()
