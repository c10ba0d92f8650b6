"""EHR documents (contract §5): patient → case (the submitter's case no.) → document (the
submitter's document id + our 18-digit id) → versions (.1, .2, …)."""

from __future__ import annotations

from django.db import models

# Ours except "11" (seen). CDA: the body must be HL7 CDA R2; reference types also take a PDF.
DOC_TYPES: dict[str, str] = {
    "11": "Ambuláns lap",
    "12": "Zárójelentés",
    "13": "Lelet",
    "14": "Képalkotó vizsgálat lelete",
    "99": "Egyéb dokumentum",
}
REFERENCE_DOC_TYPES = frozenset({"13", "14", "99"})  # application/pdf accepted
MIME_CDA = "text/xml"
MIME_PDF = "application/pdf"


class Confidentiality(models.TextChoices):
    """HL7 Confidentiality (2.16.840.1.113883.5.25). "V" makes a document sensitive: only a
    specialist of its category may read it (access step 5)."""

    NORMAL = "N", "Normál"
    RESTRICTED = "R", "Korlátozott"
    VERY_RESTRICTED = "V", "Különösen érzékeny"


class DocumentStatus(models.TextChoices):
    ACTIVE = "AKTIV", "Érvényes"
    WITHDRAWN = "VISSZAVONT", "Visszavont"


class Document(models.Model):
    document_id = models.CharField(max_length=18, unique=True)
    patient = models.ForeignKey(
        "sandbox_registry.Patient", on_delete=models.PROTECT, related_name="documents"
    )
    institution = models.ForeignKey("sandbox_registry.Institution", on_delete=models.PROTECT)
    client_document_id = models.CharField(max_length=40)
    # The access category: the specialty of the care (event) it documents.
    category = models.CharField(max_length=20)
    status = models.CharField(
        max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.ACTIVE
    )
    current = models.ForeignKey(
        "DocumentVersion", null=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdraw_reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "client_document_id"], name="document_client_id_unique"
            )
        ]
        indexes = [models.Index(fields=["patient", "status"])]

    def __str__(self) -> str:
        return self.document_id


class DocumentVersion(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    event = models.ForeignKey("sandbox_ekat.Event", on_delete=models.PROTECT, related_name="+")
    org_unit = models.ForeignKey("sandbox_registry.OrgUnit", on_delete=models.PROTECT)
    client_case_id = models.CharField(max_length=40)
    doc_type = models.CharField(max_length=2)
    title = models.CharField(max_length=200)
    author = models.ForeignKey("sandbox_registry.Doctor", on_delete=models.PROTECT)
    created_at = models.DateTimeField()  # the document's own date (CDA effectiveTime)
    confidentiality = models.CharField(max_length=1, choices=Confidentiality.choices)
    diagnoses = models.JSONField(default=list)
    procedures = models.JSONField(default=list)
    mime_type = models.CharField(max_length=40)
    body = models.BinaryField()
    body_sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey("sandbox_registry.User", on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "version"], name="document_version_unique")
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.document.document_id}.{self.version}"

    @property
    def versioned_id(self) -> str:
        return f"{self.document.document_id}.{self.version}"

    @property
    def sensitive(self) -> bool:
        from sandbox.registry.models import SENSITIVE_SPECIALTIES

        return (
            self.confidentiality == Confidentiality.VERY_RESTRICTED
            or self.document.category in SENSITIVE_SPECIALTIES
        )
