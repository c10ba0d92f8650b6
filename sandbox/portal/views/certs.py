""" "EESZT SSL tanúsítvány letöltése" (step 6 of the guide): a new WAF-SSL PKCS#12 per
click, its password only in the SMS outbox; the institution's issued certificates."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from sandbox.pki.services import certificate_revoke, waf_certificate_issue
from sandbox.portal import selectors
from sandbox.portal.session import ssl_download_required

log = logging.getLogger("sandbox.portal")


@ssl_download_required
def certificates(request: HttpRequest) -> HttpResponse:
    institution = request.portal.context.institution  # type: ignore[attr-defined]
    return render(
        request,
        "portal/certificates.html",
        {
            "institution": institution,
            "certificates": selectors.waf_certificates(institution=institution),
            "phone": selectors.mask_phone(institution.admin_phone),
        },
    )


@ssl_download_required
@require_POST
@never_cache
def certificate_download(request: HttpRequest) -> HttpResponse:
    """ "Letöltés": a fresh key and certificate each time; earlier ones stay valid. The
    answer is the file alone; the password goes to the SMS outbox (and the sandbox log)."""
    portal = request.portal  # type: ignore[attr-defined]
    institution = portal.context.institution
    issued = waf_certificate_issue(institution=institution)
    log.info(
        "WAF-SSL tanúsítvány kiadva: %s, sorszám %s, letöltötte %s",
        institution.institution_id,
        issued.certificate.serial_hex,
        portal.user.user_id,
    )
    response = HttpResponse(issued.pkcs12, content_type="application/x-pkcs12")
    filename = f"EESZT-SSL-{institution.institution_id}-{issued.certificate.serial_hex[:8]}.p12"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@ssl_download_required
@require_POST
def certificate_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    institution = request.portal.context.institution  # type: ignore[attr-defined]
    cert = get_object_or_404(selectors.waf_certificates(institution=institution), pk=pk)
    certificate_revoke(certificate=cert)
    messages.success(
        request,
        _("A(z) %(serial)s sorszámú tanúsítvány visszavonva.") % {"serial": cert.serial_hex},
    )
    return redirect("portal:certificates")
