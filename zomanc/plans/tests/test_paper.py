"""Acceptance by a scanned signed paper: the scan (PDF, JPEG or PNG, its kind sniffed from
its bytes), the exact quote version (its PDF) and the quote's SHA-256 stored together with
the acceptance, in one transaction, audited; the page, the scan served unaltered, and every
refusal storing nothing."""

import datetime as dt
import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader, PdfWriter

from zomanc.audit.models import AuditAction, AuditEntry
from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.plans.models import PlanPhase, PlanSignature, PlanStatus, SignatureKind, TreatmentPlan
from zomanc.plans.paper import PAPER_MAX_BYTES, plan_sign_paper
from zomanc.plans.services import plan_item_add, plan_revise, plan_sign, plan_transition

pytestmark = pytest.mark.django_db


def _image(fmt: str, size: tuple[int, int] = (40, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "white").save(out, fmt)
    return out.getvalue()


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PNG = _image("PNG")
JPEG = _image("JPEG")
PDF = _pdf()


@pytest.fixture
def presented(
    personas: Personas, plan: TreatmentPlan, phase: PlanPhase, catalogue: dict[str, TreatmentItem]
) -> TreatmentPlan:
    plan.valid_until = dt.date.today() + dt.timedelta(days=5)
    plan.save()
    plan_item_add(plan=plan, phase=phase, actor=personas.doctor, treatment=catalogue["fk"])
    plan_transition(plan=plan, to=PlanStatus.PRESENTED, actor=personas.doctor)
    return plan


@pytest.mark.parametrize(
    ("scan", "content_type"),
    [(PDF, "application/pdf"), (JPEG, "image/jpeg"), (PNG, "image/png")],
)
def test_paper_stores_scan_quote_version_and_hashes_together(
    personas: Personas, presented: TreatmentPlan, scan: bytes, content_type: str
) -> None:
    signature = plan_sign_paper(
        plan=presented,
        actor=personas.receptionist,
        scan=scan,
        file_name="szkennelt.dat",  # the name says nothing; the bytes do
        signer_name="Kovács Anna",
    )
    presented.refresh_from_db()
    assert presented.status == PlanStatus.ACCEPTED
    stored = PlanSignature.objects.get(plan=presented)
    assert stored.kind == SignatureKind.PAPER and stored.version == presented.version == 1
    assert bytes(stored.paper) == scan and stored.paper_type == content_type
    assert stored.paper_sha256 == hashlib.sha256(scan).hexdigest()
    assert bytes(stored.image_png) == b""
    assert stored.quote_sha256 == hashlib.sha256(bytes(stored.quote_pdf)).hexdigest()
    text = PdfReader(io.BytesIO(bytes(stored.quote_pdf))).pages[0].extract_text()
    assert "Fogkő-eltávolítás" in text
    entry = AuditEntry.objects.get(object_type="plans.plansignature", object_id=str(signature.pk))
    assert entry.action == AuditAction.CREATE and entry.patient_id == presented.patient_id
    assert stored.quote_sha256 in entry.summary and stored.paper_sha256 in entry.summary
    # A new version must be accepted again; the accepted one keeps its paper.
    v2 = plan_revise(plan=presented, actor=personas.doctor)
    assert not PlanSignature.objects.filter(plan=v2).exists()
    assert bytes(PlanSignature.objects.get(plan=presented).paper) == scan


GIF = b"GIF89a" + b"\0" * 200
TEXT = b"Ez egy szoveg, nem kep.\n" * 10
BROKEN_PNG = PNG[:40]  # a PNG's signature and header, its data cut off
NOT_A_JPEG = b"\xff\xd8\xff" + b"\0" * 500


@pytest.mark.parametrize(
    ("scan", "signer", "today_offset", "text"),
    [
        (b"", "Kovács Anna", 0, "A fájl üres"),
        (GIF, "Kovács Anna", 0, "A fájl tartalma nem PDF, JPEG, PNG"),
        (TEXT, "Kovács Anna", 0, "A fájl tartalma nem PDF, JPEG, PNG"),
        (BROKEN_PNG, "Kovács Anna", 0, "A kép nem olvasható: sérült vagy nem PNG"),
        (NOT_A_JPEG, "Kovács Anna", 0, "A kép nem olvasható: sérült vagy nem JPEG"),
        (_image("PNG", (10_001, 8)), "Kovács Anna", 0, "A kép túl nagy \\(10001 × 8 képpont\\)"),
        (b"%PDF-" + b"0" * PAPER_MAX_BYTES, "Kovács Anna", 0, "A fájl túl nagy"),
        (PDF, "  ", 0, "Adja meg az aláíró nevét"),
        (PDF, "Kovács Anna", 30, "lejárt: nem fogadható el"),
    ],
)
def test_refused_paper_stores_nothing(
    personas: Personas,
    presented: TreatmentPlan,
    scan: bytes,
    signer: str,
    today_offset: int,
    text: str,
) -> None:
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError, match=text):
        plan_sign_paper(
            plan=presented,
            actor=personas.doctor,
            scan=scan,
            file_name="papir.pdf",
            signer_name=signer,
            today=dt.date.today() + dt.timedelta(days=today_offset),
        )
    presented.refresh_from_db()
    assert presented.status == PlanStatus.PRESENTED
    assert not PlanSignature.objects.exists() and AuditEntry.objects.count() == entries


def test_a_signed_plan_takes_no_paper(personas: Personas, presented: TreatmentPlan) -> None:
    plan_sign(
        plan=presented,
        actor=personas.doctor,
        image_png=PNG + b"\0" * 100,
        signer_name="Kovács Anna",
    )
    with pytest.raises(ValidationError):
        plan_sign_paper(
            plan=presented, actor=personas.doctor, scan=PDF, file_name="", signer_name="K A"
        )
    assert PlanSignature.objects.get().kind == SignatureKind.SCREEN


def _upload(data: bytes, name: str, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_paper_page_round_trip(personas: Personas, presented: TreatmentPlan) -> None:
    client = personas.client_for(personas.receptionist)
    detail_url = reverse("plans:detail", args=[presented.pk])
    url = reverse("plans:paper", args=[presented.pk])
    assert url in client.get(detail_url).content.decode()  # next to the screen signature
    page = client.get(url).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="scan"' in page
    # A GIF renamed .pdf and sent as a PDF is still a GIF: refused, nothing stored.
    refused = client.post(
        url, {"signer_name": "Kovács Anna", "scan": _upload(GIF, "papir.pdf", "application/pdf")}
    )
    assert refused.status_code == 200
    assert "A fájl tartalma nem PDF, JPEG, PNG" in refused.content.decode()
    assert not PlanSignature.objects.exists()
    missing = client.post(url, {"signer_name": "Kovács Anna"})
    assert "Válassza ki az aláírt papír szkennelt fájlját." in missing.content.decode()
    # A PNG named .pdf: stored and served as the PNG it is, byte for byte.
    response = client.post(
        url, {"signer_name": "Kovács Anna", "scan": _upload(PNG, "papir.pdf", "application/pdf")}
    )
    assert response.status_code == 302
    signature = PlanSignature.objects.get()
    detail = client.get(detail_url).content.decode()
    assert signature.quote_sha256 in detail and signature.paper_sha256 in detail
    paper_url = reverse("plans:signed_paper", args=[presented.pk])
    assert paper_url in detail and "papir.pdf" in detail
    served = client.get(paper_url)
    assert served.content == PNG and served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    pdf = client.get(reverse("plans:signed_pdf", args=[presented.pk])).content
    assert hashlib.sha256(pdf).hexdigest() == signature.quote_sha256
    # A paper acceptance has no screen signature image.
    assert client.get(reverse("plans:signature_image", args=[presented.pk])).status_code == 404
    # Once accepted, the upload page sends back to the plan.
    assert client.get(url).status_code == 302
    views = AuditEntry.objects.filter(action=AuditAction.VIEW, patient_id=presented.patient_id)
    summaries = " | ".join(views.values_list("summary", flat=True))
    assert "aláírt papír feltöltésére" in summaries
    assert views.filter(summary__startswith="Aláírt papír megtekintése").count() == 1


def test_refused_oversize_upload_through_the_page(
    personas: Personas, presented: TreatmentPlan
) -> None:
    client = personas.client_for(personas.doctor)
    big = b"%PDF-1.4\n" + b"0" * PAPER_MAX_BYTES
    response = client.post(
        reverse("plans:paper", args=[presented.pk]),
        {"signer_name": "Kovács Anna", "scan": _upload(big, "nagy.pdf", "application/pdf")},
    )
    assert response.status_code == 200
    assert "A fájl túl nagy; legfeljebb 10 MB lehet." in response.content.decode()
    assert not PlanSignature.objects.exists()


def test_expired_quote_refused_through_the_page(
    personas: Personas, presented: TreatmentPlan
) -> None:
    presented.valid_until = dt.date.today() - dt.timedelta(days=1)
    presented.save()
    client = personas.client_for(personas.doctor)
    response = client.post(
        reverse("plans:paper", args=[presented.pk]),
        {"signer_name": "Kovács Anna", "scan": _upload(PDF, "p.pdf", "application/pdf")},
    )
    assert response.status_code == 200
    assert "lejárt: nem fogadható el" in response.content.decode()
    presented.refresh_from_db()
    assert presented.status == PlanStatus.PRESENTED and not PlanSignature.objects.exists()


def test_paper_pages_personas(personas: Personas, presented: TreatmentPlan) -> None:
    upload = reverse("plans:paper", args=[presented.pk])
    served = reverse("plans:signed_paper", args=[presented.pk])
    for url in (upload, served):
        assert Client().get(url).status_code == 302  # login required
        assert personas.client_for(personas.outsider).get(url).status_code == 404
    # Not accepted yet: nothing to serve.
    assert personas.client_for(personas.doctor).get(served).status_code == 404
    # Assistants draft plans; recording the patient's decision is not theirs.
    assistant = personas.client_for(personas.assistant)
    data = {"signer_name": "X", "scan": _upload(PDF, "p.pdf", "application/pdf")}
    assert assistant.post(upload, data).status_code == 403
    assert not PlanSignature.objects.exists()
    # The other practice cannot upload to this plan either.
    data = {"signer_name": "X", "scan": _upload(PDF, "p.pdf", "application/pdf")}
    assert personas.client_for(personas.outsider).post(upload, data).status_code == 404
    assert not PlanSignature.objects.exists()
    # Everyone of the practice may look at an accepted plan's paper.
    plan_sign_paper(
        plan=presented, actor=personas.doctor, scan=PDF, file_name="p.pdf", signer_name="K A"
    )
    assert assistant.get(served).content == PDF
    assert personas.client_for(personas.outsider).get(served).status_code == 404
