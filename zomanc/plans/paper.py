"""Acceptance by a scanned signed paper: the patient signed the printed quote by hand, the
practice uploads the scan (PDF, JPEG or PNG). Like the signature on the screen
(services.plan_sign), the scan, the quote rendered now — the exact version accepted — and
the quote's SHA-256 are stored together in PlanSignature (kind paper), with the acceptance
through plan_transition and its audit entry, in one transaction: a refused acceptance (an
expired quote, a plan no longer presented) stores nothing.

The scan's kind is read from its bytes (core/uploads.py), never from its name."""

import datetime as dt
import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from zomanc.audit.models import AuditAction
from zomanc.core.uploads import JPEG, PDF, PNG, upload_check
from zomanc.plans.models import PlanSignature, PlanStatus, SignatureKind, TreatmentPlan
from zomanc.plans.services import _audit, _same_practice, plan_transition
from zomanc.practices.models import StaffMember

PAPER_TYPES = (PDF, JPEG, PNG)
# A page or two scanned at 300 dpi in colour fits; a whole photo album does not.
PAPER_MAX_BYTES = 10 * 1024 * 1024
# Pixels of a scanned image: an A4 page at 600 dpi is 4960 × 7016.
PAPER_MAX_PIXELS = (10_000, 10_000)


def plan_sign_paper(
    *,
    plan: TreatmentPlan,
    actor: StaffMember,
    scan: bytes,
    file_name: str,
    signer_name: str,
    today: dt.date | None = None,
    request: HttpRequest | None = None,
) -> PlanSignature:
    """Records the patient's acceptance by the uploaded scan of the signed paper quote."""
    from zomanc.plans.pdf import quote_pdf
    from zomanc.plans.selectors import plan_quote

    _same_practice(actor, plan.practice_id)
    signer_name = signer_name.strip()
    if not signer_name:
        raise ValidationError({"signer_name": [_("Adja meg az aláíró nevét.")]})
    sniffed = upload_check(
        scan,
        allowed=PAPER_TYPES,
        max_bytes=PAPER_MAX_BYTES,
        max_pixels=PAPER_MAX_PIXELS,
        field="scan",
    )
    with transaction.atomic():
        plan_transition(
            plan=plan, to=PlanStatus.ACCEPTED, actor=actor, today=today, request=request
        )
        pdf = quote_pdf(plan_quote(plan))
        signature = PlanSignature.objects.create(
            practice=plan.practice,
            plan=plan,
            version=plan.version,
            signer_name=signer_name,
            kind=SignatureKind.PAPER,
            image_png=b"",
            paper=scan,
            paper_type=sniffed.content_type,
            paper_name=file_name.strip()[:200],
            paper_sha256=hashlib.sha256(scan).hexdigest(),
            quote_pdf=pdf,
            quote_sha256=hashlib.sha256(pdf).hexdigest(),
            recorded_by=actor.user,
        )
        _audit(
            plan,
            actor,
            _(
                "Árajánlat elfogadva aláírt papírral (v%(v)s, %(name)s), az árajánlat SHA-256: "
                "%(sha)s, a papír SHA-256: %(paper)s"
            )
            % {
                "v": plan.version,
                "name": signer_name,
                "sha": signature.quote_sha256,
                "paper": signature.paper_sha256,
            },
            action=AuditAction.CREATE,
            obj=signature,
            changes={
                "kind": SignatureKind.PAPER,
                "quote_sha256": signature.quote_sha256,
                "paper_sha256": signature.paper_sha256,
                "paper_type": signature.paper_type,
                "version": plan.version,
            },
            request=request,
        )
    return signature
