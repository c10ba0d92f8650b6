"""Acceptance by signature: the image, the exact quote version (its PDF) and the PDF's
SHA-256 stored together with the acceptance, in one transaction; the pages."""

import base64
import datetime as dt
import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from zomanc.audit.models import AuditAction, AuditEntry
from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.plans.models import PlanPhase, PlanSignature, PlanStatus, TreatmentPlan
from zomanc.plans.services import plan_item_add, plan_revise, plan_sign, plan_transition

pytestmark = pytest.mark.django_db
# A real 1×1 PNG plus padding past the minimum size (the canvas sends far larger ones).
PNG = (
    base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
    )
    + b"\0" * 100
)


@pytest.fixture
def presented(
    personas: Personas, plan: TreatmentPlan, phase: PlanPhase, catalogue: dict[str, TreatmentItem]
) -> TreatmentPlan:
    plan.valid_until = dt.date.today() + dt.timedelta(days=5)
    plan.save()
    plan_item_add(plan=plan, phase=phase, actor=personas.doctor, treatment=catalogue["fk"])
    plan_transition(plan=plan, to=PlanStatus.PRESENTED, actor=personas.doctor)
    return plan


def test_signature_stores_image_version_and_hash_together(
    personas: Personas, presented: TreatmentPlan
) -> None:
    signature = plan_sign(
        plan=presented, actor=personas.receptionist, image_png=PNG, signer_name="Kovács Anna"
    )
    presented.refresh_from_db()
    assert presented.status == PlanStatus.ACCEPTED
    stored = PlanSignature.objects.get(plan=presented)
    assert bytes(stored.image_png) == PNG and stored.version == presented.version == 1
    assert stored.quote_sha256 == hashlib.sha256(bytes(stored.quote_pdf)).hexdigest()
    text = PdfReader(io.BytesIO(bytes(stored.quote_pdf))).pages[0].extract_text()
    assert "Kovács Anna" in text and "Fogkő-eltávolítás" in text
    entry = AuditEntry.objects.get(object_type="plans.plansignature", object_id=str(signature.pk))
    assert signature.quote_sha256 in entry.summary
    # A new version must be signed again; the signed one stays as it was.
    v2 = plan_revise(plan=presented, actor=personas.doctor)
    assert not PlanSignature.objects.filter(plan=v2).exists()
    assert PlanSignature.objects.get(plan=presented).quote_sha256 == stored.quote_sha256


@pytest.mark.parametrize(
    ("image", "today_offset", "text"),
    [
        (b"", 0, "Az aláírás hiányzik"),
        (b"GIF89a" + b"\0" * 200, 0, "Az aláírás hiányzik"),
        (PNG, 30, "lejárt: nem fogadható el"),
    ],
)
def test_refused_signature_stores_nothing(
    personas: Personas, presented: TreatmentPlan, image: bytes, today_offset: int, text: str
) -> None:
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError, match=text):
        plan_sign(
            plan=presented,
            actor=personas.doctor,
            image_png=image,
            signer_name="Kovács Anna",
            today=dt.date.today() + dt.timedelta(days=today_offset),
        )
    presented.refresh_from_db()
    assert presented.status == PlanStatus.PRESENTED
    assert not PlanSignature.objects.exists() and AuditEntry.objects.count() == entries


def _data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def test_sign_page_round_trip(personas: Personas, presented: TreatmentPlan) -> None:
    client = personas.client_for(personas.receptionist)
    url = reverse("plans:sign", args=[presented.pk])
    page = client.get(url).content.decode()
    assert "data-signature" in page and "signature.js" in page and "<script>" not in page
    refused = client.post(url, {"signer_name": "Kovács Anna", "image": ""})
    assert "Az aláírás hiányzik" in refused.content.decode()
    response = client.post(url, {"signer_name": "Kovács Anna", "image": _data_url(PNG)})
    assert response.status_code == 302
    detail = client.get(reverse("plans:detail", args=[presented.pk])).content.decode()
    signature = PlanSignature.objects.get()
    assert signature.quote_sha256 in detail
    pdf = client.get(reverse("plans:signed_pdf", args=[presented.pk])).content
    assert hashlib.sha256(pdf).hexdigest() == signature.quote_sha256
    assert client.get(reverse("plans:signature_image", args=[presented.pk])).content == PNG
    # Each of these pages showed the patient's plan: each left a VIEW entry naming him.
    views = AuditEntry.objects.filter(action=AuditAction.VIEW, patient_id=presented.patient_id)
    summaries = " | ".join(views.values_list("summary", flat=True))
    for what in ("aláírásra", "Aláírt árajánlat", "megtekintése"):
        assert what in summaries
    assert views.filter(summary__startswith="Aláírt árajánlat").count() == 2  # PDF and image


def test_sign_pages_personas(personas: Personas, presented: TreatmentPlan) -> None:
    sign = reverse("plans:sign", args=[presented.pk])
    urls = [
        sign,
        reverse("plans:signed_pdf", args=[presented.pk]),
        reverse("plans:signature_image", args=[presented.pk]),
    ]
    for url in urls:
        assert Client().get(url).status_code == 302  # login required
        assert personas.client_for(personas.outsider).get(url).status_code == 404
    assistant = personas.client_for(personas.assistant)
    assert assistant.post(sign, {"signer_name": "X", "image": _data_url(PNG)}).status_code == 403
    assert not PlanSignature.objects.exists()
