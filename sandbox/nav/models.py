"""NAV Online Számla's side: taxpayers, their technical users, exchange tokens, every API
request (accepted or rejected), transactions and the invoices/annulments they carry."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Taxpayer(models.Model):
    """A registered taxpayer (adózó), keyed by the 8-digit core of its tax number."""

    tax_number = models.CharField(max_length=8, unique=True)
    vat_code = models.CharField(max_length=1, default="2")
    county_code = models.CharField(max_length=2, default="41")
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=10, default="1000")
    city = models.CharField(max_length=100, default="Budapest")
    street_name = models.CharField(max_length=100, default="Fő")
    public_place_category = models.CharField(max_length=30, default="utca")
    number = models.CharField(max_length=20, default="1")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.tax_number} {self.name}"


class TechnicalUser(models.Model):
    """The password itself is never stored: NAV compares the SHA-512 the client sends. The
    signature and exchange keys are (the server computes with them)."""

    taxpayer = models.ForeignKey(Taxpayer, on_delete=models.CASCADE, related_name="users")
    login = models.CharField(max_length=15, unique=True)
    password_hash = models.CharField(max_length=128)
    signature_key = models.CharField(max_length=32)
    exchange_key = models.CharField(max_length=16)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.login


class ExchangeToken(models.Model):
    """Issued by tokenExchange for the taxpayer; valid for its lifetime, used once."""

    taxpayer = models.ForeignKey(Taxpayer, on_delete=models.CASCADE)
    issued_to = models.ForeignKey(TechnicalUser, on_delete=models.CASCADE)
    token = models.CharField(max_length=50, unique=True)
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.token


class ApiRequest(models.Model):
    """Every API call: accepted ones hold their requestId (unique per taxpayer, the
    specification's rule only counts successful requests); rejected ones show on the
    portal with their error code and reason."""

    taxpayer = models.ForeignKey(Taxpayer, on_delete=models.CASCADE, null=True, blank=True)
    tax_number = models.CharField(max_length=20, blank=True)
    login = models.CharField(max_length=30, blank=True)
    request_id = models.CharField(max_length=40, blank=True)
    operation = models.CharField(max_length=40)
    at = models.DateTimeField()
    accepted = models.BooleanField()
    http_status = models.PositiveSmallIntegerField(default=200)
    error_code = models.CharField(max_length=60, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["taxpayer", "request_id"],
                condition=Q(accepted=True),
                name="nav_request_id_unique_per_taxpayer",
            )
        ]
        indexes = [models.Index(fields=["taxpayer", "accepted", "at"])]

    def __str__(self) -> str:
        return f"{self.operation} {self.request_id} {self.error_code or 'OK'}"


class Transaction(models.Model):
    class Kind(models.TextChoices):
        INVOICE = "INVOICE", "Adatszolgáltatás"
        ANNULMENT = "ANNULMENT", "Technikai érvénytelenítés"

    transaction_id = models.CharField(max_length=30, unique=True)
    taxpayer = models.ForeignKey(Taxpayer, on_delete=models.CASCADE, related_name="transactions")
    user = models.ForeignKey(TechnicalUser, on_delete=models.PROTECT)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    request_version = models.CharField(max_length=5, default="3.0")
    compressed = models.BooleanField(default=False)
    received_at = models.DateTimeField()
    # Set when the invoices got their final state (the transaction is FINISHED).
    processed_at = models.DateTimeField(null=True, blank=True)
    original_request = models.BinaryField()

    class Meta:
        indexes = [models.Index(fields=["taxpayer", "received_at"])]

    def __str__(self) -> str:
        return self.transaction_id


class Report(models.Model):
    """One index of a transaction: an invoice operation (CREATE/MODIFY/STORNO) or an
    annulment (ANNUL) with its processing state and its validation messages."""

    class Status(models.TextChoices):
        RECEIVED = "RECEIVED", "Befogadva"
        PROCESSING = "PROCESSING", "Feldolgozás alatt"
        SAVED = "SAVED", "Elmentve"
        DONE = "DONE", "Kész"
        ABORTED = "ABORTED", "Elutasítva"

    class Annulment(models.TextChoices):
        NOT_VERIFIABLE = "NOT_VERIFIABLE", "Nem jóváhagyható"
        VERIFICATION_PENDING = "VERIFICATION_PENDING", "Jóváhagyásra vár"
        VERIFICATION_DONE = "VERIFICATION_DONE", "Jóváhagyva"
        VERIFICATION_REJECTED = "VERIFICATION_REJECTED", "Elutasítva"

    transaction = models.ForeignKey(Transaction, on_delete=models.CASCADE, related_name="reports")
    index = models.PositiveSmallIntegerField()
    operation = models.CharField(max_length=10)
    data = models.TextField()  # the base64 content as sent
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED)
    # [{"kind": "technical"|"business", "result": "ERROR"|"WARN"|"INFO", "code": .., "message": ..}]
    messages = models.JSONField(default=list)
    # Filled from the decoded data when it was schema valid.
    invoice_number = models.CharField(max_length=50, blank=True, db_index=True)
    supplier_tax_number = models.CharField(max_length=8, blank=True)
    supplier_name = models.CharField(max_length=512, blank=True)
    customer_tax_number = models.CharField(max_length=8, blank=True)
    customer_name = models.CharField(max_length=512, blank=True)
    invoice_category = models.CharField(max_length=12, blank=True)
    issue_date = models.DateField(null=True, blank=True)
    delivery_date = models.DateField(null=True, blank=True)
    payment_method = models.CharField(max_length=10, blank=True)
    payment_date = models.DateField(null=True, blank=True)
    appearance = models.CharField(max_length=12, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    net_amount = models.DecimalField(max_digits=20, decimal_places=2, null=True, blank=True)
    net_amount_huf = models.DecimalField(max_digits=20, decimal_places=2, null=True, blank=True)
    vat_amount = models.DecimalField(max_digits=20, decimal_places=2, null=True, blank=True)
    vat_amount_huf = models.DecimalField(max_digits=20, decimal_places=2, null=True, blank=True)
    original_invoice_number = models.CharField(max_length=50, blank=True)
    modification_index = models.PositiveIntegerField(null=True, blank=True)
    modify_without_master = models.BooleanField(default=False)
    max_line_number = models.PositiveIntegerField(default=0)
    completeness = models.BooleanField(default=False)
    # ANNUL: the invoice it annuls, and the verification on the portal.
    annulment_code = models.CharField(max_length=20, blank=True)
    annulment_reason = models.CharField(max_length=1024, blank=True)
    annulment_status = models.CharField(max_length=24, choices=Annulment.choices, blank=True)
    annulment_decided_at = models.DateTimeField(null=True, blank=True)
    # An invoice whose technical annulment was approved is no longer valid.
    annulled = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["transaction", "index"], name="nav_report_index")
        ]
        indexes = [models.Index(fields=["supplier_tax_number", "invoice_number"])]

    def __str__(self) -> str:
        return f"{self.operation} {self.invoice_number or self.index}"
