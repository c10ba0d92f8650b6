"""The practice's logo: PNG or JPEG sniffed from its bytes, size- and pixel-limited, stored in
the database, audited; the settings page (owners only, each practice its own logo)."""

import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from zomanc.audit.models import AuditAction, AuditEntry
from zomanc.conftest import Personas
from zomanc.practices.logo import LOGO_MAX_BYTES, practice_logo_remove, practice_logo_set
from zomanc.practices.models import PracticeLogo

pytestmark = pytest.mark.django_db


def image(fmt: str, size: tuple[int, int] = (120, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 90, 160)).save(out, fmt)
    return out.getvalue()


PNG = image("PNG")
JPEG = image("JPEG")


@pytest.mark.parametrize(("data", "content_type"), [(PNG, "image/png"), (JPEG, "image/jpeg")])
def test_logo_stored_with_its_sniffed_kind_and_size(
    personas: Personas, data: bytes, content_type: str
) -> None:
    logo = practice_logo_set(practice=personas.practice_a, actor=personas.owner.user, image=data)
    stored = PracticeLogo.objects.get(practice=personas.practice_a)
    assert bytes(stored.image) == data and stored.content_type == content_type
    assert (stored.width, stored.height) == (120, 40)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    entry = AuditEntry.objects.get(object_type="practices.practicelogo", object_id=str(logo.pk))
    assert entry.action == AuditAction.CREATE and "120 × 40" in entry.summary
    # Replacing it keeps one row and writes an UPDATE entry.
    practice_logo_set(practice=personas.practice_a, actor=personas.owner.user, image=PNG)
    assert PracticeLogo.objects.count() == 1
    assert AuditEntry.objects.filter(
        object_type="practices.practicelogo", action=AuditAction.UPDATE
    ).exists()
    assert practice_logo_remove(practice=personas.practice_a, actor=personas.owner.user)
    assert not PracticeLogo.objects.exists()
    assert AuditEntry.objects.filter(
        object_type="practices.practicelogo", action=AuditAction.DELETE
    ).exists()
    assert not practice_logo_remove(practice=personas.practice_a, actor=personas.owner.user)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"", "A fájl üres"),
        (image("GIF"), "A fájl tartalma nem PNG, JPEG"),
        (b"%PDF-1.4\n" + b"0" * 100, "A fájl tartalma nem PNG, JPEG"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "A fájl tartalma nem PNG, JPEG"),
        (PNG[:30], "A kép nem olvasható: sérült vagy nem PNG"),
        (image("PNG", (2001, 10)), "A kép túl nagy \\(2001 × 10 képpont\\)"),
        (image("PNG", (10, 2001)), "A kép túl nagy"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * LOGO_MAX_BYTES, "A fájl túl nagy"),
    ],
)
def test_refused_logo_stores_nothing(personas: Personas, data: bytes, text: str) -> None:
    with pytest.raises(ValidationError, match=text):
        practice_logo_set(practice=personas.practice_a, actor=personas.owner.user, image=data)
    assert not PracticeLogo.objects.exists()
    assert not AuditEntry.objects.filter(object_type="practices.practicelogo").exists()


def _upload(data: bytes, name: str, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_settings_page_uploads_shows_and_removes_the_logo(personas: Personas) -> None:
    client = personas.client_for(personas.owner)
    settings_url = reverse("practices:settings")
    page = client.get(settings_url).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="logo"' in page
    assert reverse("practices:logo_image") not in page  # no logo yet
    url = reverse("practices:logo")
    # A GIF renamed .png and sent as image/png is refused in Hungarian, on the settings page.
    refused = client.post(url, {"logo": _upload(image("GIF"), "logo.png", "image/png")})
    assert refused.status_code == 200
    assert "A fájl tartalma nem PNG, JPEG" in refused.content.decode()
    assert not PracticeLogo.objects.exists()
    missing = client.post(url, {})
    assert "Válassza ki a logó képfájlját." in missing.content.decode()
    too_big = client.post(
        url, {"logo": _upload(b"\x89PNG" + b"0" * LOGO_MAX_BYTES, "l.png", "image/png")}
    )
    assert "A fájl túl nagy; legfeljebb 1 MB lehet." in too_big.content.decode()
    # A JPEG named .png: stored and served as the JPEG it is.
    assert client.post(url, {"logo": _upload(JPEG, "logo.png", "image/png")}).status_code == 302
    page = client.get(settings_url).content.decode()
    assert reverse("practices:logo_image") in page and "120 × 40 képpont" in page
    served = client.get(reverse("practices:logo_image"))
    assert served.content == JPEG and served["Content-Type"] == "image/jpeg"
    assert client.post(url, {"remove": "1"}).status_code == 302
    assert not PracticeLogo.objects.exists()
    assert client.get(reverse("practices:logo_image")).status_code == 404


def test_logo_pages_personas(personas: Personas) -> None:
    practice_logo_set(practice=personas.practice_a, actor=personas.owner.user, image=PNG)
    upload, served = reverse("practices:logo"), reverse("practices:logo_image")
    assert Client().get(served).status_code == 302  # login required
    assert Client().post(upload, {"remove": "1"}).status_code == 302
    for member in (personas.doctor, personas.assistant, personas.receptionist):
        client = personas.client_for(member)
        assert client.get(served).status_code == 403
        assert (
            client.post(upload, {"logo": _upload(JPEG, "l.jpg", "image/jpeg")}).status_code == 403
        )
        assert client.post(upload, {"remove": "1"}).status_code == 403
    assert bytes(PracticeLogo.objects.get().image) == PNG
    # The other practice's owner sees and changes only his own practice's logo.
    outsider = personas.client_for(personas.outsider)
    assert outsider.get(served).status_code == 404
    assert outsider.post(upload, {"remove": "1"}).status_code == 302
    assert PracticeLogo.objects.filter(practice=personas.practice_a).exists()
    assert outsider.post(upload, {"logo": _upload(JPEG, "l.jpg", "image/jpeg")}).status_code == 302
    assert bytes(PracticeLogo.objects.get(practice=personas.practice_b).image) == JPEG
    assert bytes(PracticeLogo.objects.get(practice=personas.practice_a).image) == PNG
    assert outsider.get(served).content == JPEG
