"""The JSON API (django-ninja), mounted at /api/; OpenAPI at /api/openapi.json.

Every request authenticates with a per-user API token (`Authorization: Bearer zmc_…`) and acts
as that token's staff membership: its practice scopes every query and its role decides what
it may do (zomanc.practices.permissions, the same matrix as the browser). Every error answer
has the ErrorOut shape and is declared in the schema, so clients and schemathesis can rely on
it: 400 malformed JSON, 401 no/bad token, 403 role, 404 other practice's or unknown id,
409 duplicate identifier, 413 body too large, 422 validation."""

import dataclasses
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Path, Query, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from zomanc.api.common import (
    BODY_ERRORS,
    MAX_ID,
    READ_ERRORS,
    ServiceValidationError,
    api_member,
)
from zomanc.api.models import ApiToken
from zomanc.api.schemas import (
    ErrorOut,
    FieldErrorOut,
    PatientIn,
    PatientOut,
    PatientPageOut,
    PatientPatch,
)
from zomanc.api.services import api_token_authenticate
from zomanc.audit.services import audit_patients_listed
from zomanc.patients.models import Patient
from zomanc.patients.selectors import MAX_PAGE, access_patient, patient_search
from zomanc.patients.services import (
    DuplicateIdentifierError,
    PatientData,
    patient_create,
    patient_data_of,
    patient_record_viewed,
    patient_update,
)
from zomanc.plans.api import router as plans_router
from zomanc.practices.permissions import Perm

API_PAGE_SIZE = 25


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        api_token = api_token_authenticate(token)
        if api_token is not None:
            # Same attributes as the browser middleware sets, so shared code reads them alike.
            request.member = api_token.member  # type: ignore[attr-defined]
            request.practice = api_token.member.practice  # type: ignore[attr-defined]
        return api_token


api = NinjaAPI(
    title="Zománc API",
    version="1",
    description="Páciensek keresése, felvétele, lekérdezése és módosítása API kulccsal.",
    urls_namespace="api",
    auth=TokenAuth(),
)


def _error(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    errors: list[FieldErrorOut] | None = None,
    **extra: Any,
) -> HttpResponse:
    body = ErrorOut(code=code, message=message, errors=errors or [], **extra)
    response = api.create_response(request, body.model_dump(), status=status)
    if status == 401:
        response["WWW-Authenticate"] = "Bearer"
    return response


def _on_authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(
        request, 401, "unauthorized", _("Hiányzó, érvénytelen vagy visszavont API kulcs.")
    )


_HTTP_CODES = {
    400: "malformed_body",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    413: "body_too_large",
}


def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = _HTTP_CODES.get(exc.status_code, "bad_request")
    message = _("A kérés törzse nem értelmezhető JSON.") if code == "malformed_body" else str(exc)
    return _error(request, exc.status_code, code, message)


def _on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", _("Nincs ilyen páciens."))


def _on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _error(request, 413, "body_too_large", _("A kérés törzse túl nagy."))


def _on_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = []
    for item in exc.errors:
        # loc is ("body", "payload", "family_name") or ("query", "page"): keep the field part.
        loc = [str(part) for part in item.get("loc", ()) if part not in ("body", "payload")]
        errors.append(
            FieldErrorOut(
                field=".".join(loc[1:] if loc[:1] in (["query"], ["path"]) else loc),
                message=str(item.get("msg", "")),
                code=str(item.get("type", "invalid")),
            )
        )
    return _error(request, 422, "validation_error", _("Hibás adatok."), errors)


def _on_service_validation(request: HttpRequest, exc: ServiceValidationError) -> HttpResponse:
    errors = []
    if hasattr(exc.exc, "error_dict"):
        for field, field_errors in exc.exc.error_dict.items():
            for error in field_errors:
                for message in error.messages:
                    errors.append(
                        FieldErrorOut(field=field, message=message, code=error.code or "invalid")
                    )
    else:
        for error in exc.exc.error_list:
            for message in error.messages:
                errors.append(FieldErrorOut(field="", message=message, code=error.code or ""))
    return _error(request, 422, "validation_error", _("Hibás adatok."), errors)


def _on_duplicate(request: HttpRequest, exc: DuplicateIdentifierError) -> HttpResponse:
    existing = exc.existing
    return _error(
        request,
        409,
        "duplicate_identifier",
        _("Ezzel az azonosítóval már van páciens a rendelőben."),
        [FieldErrorOut(field="id_value", message=_("Már létező azonosító."), code="duplicate")],
        existing_patient_id=existing.pk,
        existing_patient_url=f"/api/patients/{existing.pk}",
    )


# ninja's handler typing wants a callable per exception class; a plain table reads better.
_HANDLERS: list[tuple[type[Exception], Any]] = [
    (AuthenticationError, _on_authentication),
    (HttpError, _on_http_error),
    (Http404, _on_not_found),
    (RequestDataTooBig, _on_too_big),
    (NinjaValidationError, _on_validation),
    (ServiceValidationError, _on_service_validation),
    (DuplicateIdentifierError, _on_duplicate),
]
for _exc_class, _handler in _HANDLERS:
    api.add_exception_handler(_exc_class, _handler)


# --- helpers ------------------------------------------------------------------------------


def _out(patient: Patient) -> dict[str, Any]:
    return {
        "id": patient.pk,
        **{field.name: getattr(patient, field.name) for field in dataclasses.fields(PatientData)},
        "id_value_display": patient.identifier_display,
        "created_at": patient.created_at,
        "updated_at": patient.updated_at,
    }


def _run(call: Any) -> Patient:
    try:
        return call()
    except DjangoValidationError as exc:
        raise ServiceValidationError(exc) from exc


# --- endpoints ----------------------------------------------------------------------------


@api.get(
    "/patients",
    response={200: PatientPageOut, **READ_ERRORS},
    summary="Páciensek keresése",
    description=(
        "q: névkezdet (ékezet nélkül is), TAJ szám (szóközzel vagy anélkül) vagy születési "
        "dátum (1980-05-17, 1980.05.17.). Üres q: minden páciens névsorban. Minden keresés "
        "bekerül a naplóba a kérdéssel és a visszaadott páciensekkel."
    ),
    tags=["páciensek"],
)
def patients_search(
    request: HttpRequest,
    q: str = Query("", max_length=100, pattern=r"^[^\x00-\x1F\x7F]*$"),
    page: int = Query(1, ge=1, le=MAX_PAGE),
) -> dict[str, Any]:
    member = api_member(request, Perm.PATIENT_VIEW)
    result = patient_search(practice=member.practice, query=q, page=page, page_size=API_PAGE_SIZE)
    audit_patients_listed(
        practice=member.practice,
        actor=member.user,
        what="Páciensek keresése (API)",
        query=q,
        patient_ids=[p.pk for p in result.items],
        page=result.page,
        request=request,
    )
    return {
        "items": [_out(p) for p in result.items],
        "page": result.page,
        "page_size": result.page_size,
        "has_next": result.has_next,
    }


@api.post(
    "/patients",
    response={201: PatientOut, **BODY_ERRORS},
    summary="Páciens felvétele",
    tags=["páciensek"],
)
def patients_create(request: HttpRequest, payload: PatientIn) -> Status[dict[str, Any]]:
    member = api_member(request, Perm.PATIENT_EDIT)
    data = PatientData(**payload.model_dump())
    patient = _run(
        lambda: patient_create(
            practice=member.practice, actor=member.user, data=data, request=request
        )
    )
    return Status(201, _out(patient))


@api.get(
    "/patients/{patient_id}",
    response={200: PatientOut, 404: ErrorOut, **READ_ERRORS},
    summary="Páciens adatai",
    description="Minden lekérdezés bekerül a naplóba (megtekintés).",
    tags=["páciensek"],
)
def patients_read(
    request: HttpRequest, patient_id: int = Path(..., ge=1, le=MAX_ID)
) -> dict[str, Any]:
    member = api_member(request, Perm.PATIENT_VIEW)
    patient = access_patient(member, patient_id)
    patient_record_viewed(patient=patient, actor=member.user, request=request, via="API")
    return _out(patient)


@api.patch(
    "/patients/{patient_id}",
    response={200: PatientOut, 404: ErrorOut, **BODY_ERRORS},
    summary="Páciens adatainak módosítása",
    description="Csak az elküldött mezők változnak.",
    tags=["páciensek"],
)
def patients_update(
    request: HttpRequest, payload: PatientPatch, patient_id: int = Path(..., ge=1, le=MAX_ID)
) -> dict[str, Any]:
    member = api_member(request, Perm.PATIENT_EDIT)
    patient = access_patient(member, patient_id)
    changes = payload.model_dump(exclude_unset=True)
    data = dataclasses.replace(patient_data_of(patient), **changes)
    patient = _run(
        lambda: patient_update(patient=patient, actor=member.user, data=data, request=request)
    )
    return _out(patient)


# The plans' endpoints live with their app (zomanc/plans/api.py).
api.add_router("/", plans_router)
