"""Thin HTTP layer over the pipeline: GET ?wsdl / ?xsd=<name>, POST = a SOAP call."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from sandbox.soap.errors import SoapFault
from sandbox.soap.pipeline import CONTENT_TYPE, fault_envelope, handle
from sandbox.soap.registry import CONTRACT_DIR, SERVICES
from sandbox.soap.wsdl import DEFAULT_HOST

# Where the TLS server puts the verified peer certificate (DER bytes) in the WSGI environ.
# Only our server process sets it: HTTP headers can never produce this key.
CLIENT_CERT_ENVIRON = "sandbox.client_cert_der"


@csrf_exempt
def endpoint(request: HttpRequest, service: str) -> HttpResponse:
    svc = SERVICES.get(service)
    if svc is None:
        raise Http404("ismeretlen szolgáltatás")
    if request.method == "GET":
        return _contract_file(request, svc.name, svc.wsdl)
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    refusal = _transport_refusal(request)
    if refusal is not None:
        return refusal
    outcome = handle(
        svc,
        request.body,
        request.META.get(CLIENT_CERT_ENVIRON),
        media_type=request.content_type or "",
    )
    response = HttpResponse(outcome.body, status=outcome.status, headers=outcome.headers)
    if outcome.drop:
        request.META["sandbox.drop"] = True
    if outcome.hang_seconds is not None:
        request.META["sandbox.hang_seconds"] = outcome.hang_seconds
    return response


def _transport_refusal(request: HttpRequest) -> HttpResponse | None:
    """An oversized body is answered with a SOAP fault (never Django's HTML error page).
    The media type is checked by the pipeline, after fault injection (a maintenance
    window answers 503 whatever the request)."""
    try:
        request.body  # noqa: B018 - reading it enforces DATA_UPLOAD_MAX_MEMORY_SIZE
    except RequestDataTooBig:
        fault = SoapFault(
            "MESSAGE_TOO_LARGE",
            f"A kérés nagyobb a megengedett {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bájtnál.",
        )
        return HttpResponse(
            fault_envelope(fault, None),
            status=fault.http_status,
            headers={"Content-Type": CONTENT_TYPE},
        )
    return None


def _contract_file(request: HttpRequest, name: str, wsdl: str) -> HttpResponse:
    if "wsdl" in request.GET:
        text = (CONTRACT_DIR / wsdl).read_text(encoding="utf-8")
        # The address in the file is the default; answer with where we were reached.
        base = f"{request.scheme}://{request.get_host()}"
        text = text.replace(f"{DEFAULT_HOST}/soap/{name}", f"{base}/soap/{name}")
        return HttpResponse(text, content_type="text/xml; charset=utf-8")
    wanted = request.GET.get("xsd", "")
    # Any schema of the contract folder (services may import shared ones); the bare file
    # name only, so no path can escape the folder.
    path = CONTRACT_DIR / Path(wanted).name
    if wanted.endswith(".xsd") and path.is_file():
        return HttpResponse(path.read_bytes(), content_type="text/xml; charset=utf-8")
    raise Http404("ismeretlen szerződésfájl")
