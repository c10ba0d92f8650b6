"""Persona tests and behaviour of the patients JSON API."""

import json
from collections.abc import Callable

import pytest

from zomanc.api.models import ApiToken
from zomanc.api.services import api_token_revoke
from zomanc.api.tests.conftest import ApiClient
from zomanc.audit.models import AuditAction, AuditEntry
from zomanc.conftest import Personas
from zomanc.patients.models import Patient
from zomanc.patients.tests.factories import make_patient
from zomanc.practices import permissions
from zomanc.practices.models import Role, StaffMember
from zomanc.practices.permissions import Perm

ApiAs = Callable[[StaffMember | None], ApiClient]

NEW = {
    "family_name": "Szabó",
    "given_name": "Gergő",
    "sex": "M",
    "birth_date": "1991-03-04",
    "city": "Debrecen",
    "id_type": "TAJ",
    "id_value": "987 654 322",
}


def _endpoints(patient_id: int) -> list[tuple[str, str, object]]:
    return [
        ("get", "/api/patients", None),
        ("post", "/api/patients", NEW),
        ("get", f"/api/patients/{patient_id}", None),
        ("patch", f"/api/patients/{patient_id}", {"city": "Pécs"}),
    ]


def _call(client: ApiClient, method: str, url: str, body: object):
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, body)


def test_requires_login(personas: Personas, api_as: ApiAs) -> None:
    patient = make_patient(personas.receptionist)
    for method, url, body in _endpoints(patient.pk):
        response = _call(api_as(None), method, url, body)
        assert response.status_code == 401, url
        assert response.json()["code"] == "unauthorized"
        assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "header", ["Bearer zmc_nincsilyen_kulcs", "Bearer ", "Basic YTpi", "Bearer " + "x" * 500]
)
def test_bad_tokens_are_401(personas: Personas, header: str) -> None:
    from django.test import Client

    response = Client().get("/api/patients", headers={"Authorization": header})
    assert response.status_code == 401


def test_revoked_token_and_inactive_member_are_401(personas: Personas, api_as: ApiAs) -> None:
    client = api_as(personas.doctor)
    assert client.get("/api/patients").status_code == 200
    api_token_revoke(token=ApiToken.objects.get(member=personas.doctor))
    assert client.get("/api/patients").status_code == 401
    client = api_as(personas.assistant)
    StaffMember.objects.filter(pk=personas.assistant.pk).update(is_active=False)
    assert client.get("/api/patients").status_code == 401


def test_every_role_uses_the_patient_api(personas: Personas, api_as: ApiAs) -> None:
    for role in ("owner", "doctor", "assistant", "receptionist"):
        patient = make_patient(
            personas.receptionist, given_name=role, id_type="UNKNOWN", id_value=""
        )
        client = api_as(getattr(personas, role))
        assert client.get("/api/patients").status_code == 200
        assert client.get(f"/api/patients/{patient.pk}").status_code == 200
        assert client.patch(f"/api/patients/{patient.pk}", {"city": "Pécs"}).status_code == 200


def test_requires_receptionist_permissions(
    personas: Personas, api_as: ApiAs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The API asks the same permission matrix as the pages: without it, 403."""
    patient = make_patient(personas.receptionist)
    client = api_as(personas.receptionist)
    monkeypatch.setitem(
        permissions.MATRIX, Perm.PATIENT_EDIT, frozenset(set(Role) - {Role.RECEPTIONIST})
    )
    assert client.get(f"/api/patients/{patient.pk}").status_code == 200
    response = client.post("/api/patients", NEW)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert client.patch(f"/api/patients/{patient.pk}", {"city": "Pécs"}).status_code == 403
    monkeypatch.setitem(
        permissions.MATRIX, Perm.PATIENT_VIEW, frozenset(set(Role) - {Role.RECEPTIONIST})
    )
    assert client.get("/api/patients").status_code == 403
    assert client.get(f"/api/patients/{patient.pk}").status_code == 403
    assert not Patient.objects.filter(family_name="Szabó").exists()


def test_hides_other_practice(personas: Personas, api_as: ApiAs) -> None:
    other = make_patient(personas.outsider, family_name="Titkos", id_value="123456788")
    client = api_as(personas.doctor)
    for method, url, body in _endpoints(other.pk)[2:]:
        response = _call(client, method, url, body)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"
    assert client.get("/api/patients", q="titkos").json()["items"] == []
    assert client.get("/api/patients", q="123456788").json()["items"] == []
    # The same TAJ in practice A is not a duplicate of practice B's patient.
    assert client.post("/api/patients", {**NEW, "id_value": "123456788"}).status_code == 201
    other.refresh_from_db()
    assert other.city == "Budapest"


def test_create_read_update_with_audit(personas: Personas, api_as: ApiAs) -> None:
    client = api_as(personas.receptionist)
    response = client.post("/api/patients", NEW)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id_value"] == "987654322"
    assert body["id_value_display"] == "987 654 322"
    patient_id = body["id"]
    assert Patient.objects.get(pk=patient_id).practice == personas.practice_a
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, patient_id=patient_id).exists()

    read = client.get(f"/api/patients/{patient_id}")
    assert read.status_code == 200 and read.json()["family_name"] == "Szabó"
    view = AuditEntry.objects.get(action=AuditAction.VIEW, patient_id=patient_id)
    assert view.actor == personas.receptionist.user

    updated = client.patch(f"/api/patients/{patient_id}", {"city": "Pécs", "phone": "+36 1 1"})
    assert updated.status_code == 200 and updated.json()["city"] == "Pécs"
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE, patient_id=patient_id)
    assert entry.changes == {"city": ["Debrecen", "Pécs"], "phone": ["", "+36 1 1"]}


def test_search(personas: Personas, api_as: ApiAs) -> None:
    make_patient(personas.receptionist, family_name="Kovács", id_value="123456788")
    make_patient(personas.receptionist, family_name="Tóth")
    client = api_as(personas.receptionist)
    names = [p["family_name"] for p in client.get("/api/patients", q="kovacs").json()["items"]]
    assert names == ["Kovács"]
    by_taj = client.get("/api/patients", q="123 456 788").json()
    assert [p["family_name"] for p in by_taj["items"]] == ["Kovács"]
    page = client.get("/api/patients").json()
    assert page["page"] == 1 and page["has_next"] is False and len(page["items"]) == 2


def test_duplicate_taj_is_409_with_link(personas: Personas, api_as: ApiAs) -> None:
    existing = make_patient(personas.doctor, id_value="987654322")
    response = api_as(personas.receptionist).post("/api/patients", NEW)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "duplicate_identifier"
    assert body["existing_patient_id"] == existing.pk
    assert body["existing_patient_url"] == f"/api/patients/{existing.pk}"


def test_invalid_taj_is_422_naming_the_rule(personas: Personas, api_as: ApiAs) -> None:
    response = api_as(personas.receptionist).post("/api/patients", {**NEW, "id_value": "111111111"})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "id_value" and error["code"] == "taj_checksum"
    assert "ellenőrző számjegye" in error["message"]


def test_schema_validation_is_422(personas: Personas, api_as: ApiAs) -> None:
    client = api_as(personas.receptionist)
    response = client.post("/api/patients", {**NEW, "family_name": "", "sex": "X"})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"family_name", "sex"} <= fields
    assert client.get("/api/patients", page=0).status_code == 422
    assert client.get("/api/patients/0").status_code == 422
    assert client.get(f"/api/patients/{2**70}").status_code == 422
    response = client.post("/api/patients", {**NEW, "family_name": "Nul\x00l"})
    assert response.status_code == 422


def test_malformed_json_is_400(personas: Personas, api_as: ApiAs) -> None:
    patient = make_patient(personas.receptionist)
    client = api_as(personas.receptionist)
    for method, url in (("POST", "/api/patients"), ("PATCH", f"/api/patients/{patient.pk}")):
        response = client.raw(method, url, b'{"family_name": ')
        assert response.status_code == 400, url
        assert response.json()["code"] == "malformed_body"
    response = client.raw("POST", "/api/patients", b"\xff\xfe")
    assert response.status_code == 400
    response = client.raw("POST", "/api/patients", json.dumps([1, 2]).encode())
    assert response.status_code == 422


def test_oversized_body_is_413(personas: Personas, api_as: ApiAs) -> None:
    client = api_as(personas.receptionist)
    big = json.dumps({**NEW, "city": "x" * (3 * 1024 * 1024)}).encode()
    response = client.raw("POST", "/api/patients", big)
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"
    assert not Patient.objects.exists()


def test_openapi_declares_every_error(personas: Personas) -> None:
    from django.test import Client

    schema = Client().get("/api/openapi.json").json()
    ops = {
        (path, method): op for path, item in schema["paths"].items() for method, op in item.items()
    }
    assert set(ops) == {
        ("/api/patients", "get"),
        ("/api/patients", "post"),
        ("/api/patients/{patient_id}", "get"),
        ("/api/patients/{patient_id}", "patch"),
        # zomanc/plans/api.py
        ("/api/patients/{patient_id}/plans", "get"),
        ("/api/patients/{patient_id}/plans", "post"),
        ("/api/plans/{plan_id}", "get"),
        ("/api/plans/{plan_id}/phases", "post"),
        ("/api/plans/{plan_id}/phases/{phase_id}/options", "post"),
        ("/api/plans/{plan_id}/items", "post"),
        ("/api/plans/{plan_id}/items/{item_id}", "delete"),
        ("/api/plans/{plan_id}/options/{option_id}/choose", "post"),
        ("/api/plans/{plan_id}/status", "post"),
        ("/api/plans/{plan_id}/revise", "post"),
        ("/api/plans/{plan_id}/book", "post"),
        ("/api/plans/{plan_id}/items/{item_id}/perform", "post"),
    }
    for key, op in ops.items():
        codes = set(op["responses"])
        assert {"401", "403", "422"} <= codes, key
        if key[1] in ("post", "patch"):
            assert {"400", "409", "413"} <= codes, key
        if "{patient_id}" in key[0] or "{plan_id}" in key[0]:
            assert "404" in codes, key
    assert "bearer" in json.dumps(schema["components"]["securitySchemes"]).lower()


@pytest.mark.parametrize("field", ["family_name", "birth_date", "city", "id_type"])
def test_patch_with_null_is_422_and_changes_nothing(
    personas: Personas, api_as: ApiAs, field: str
) -> None:
    """The probe's PATCH {"family_name": null} answered 200 and changed nothing."""
    patient = make_patient(personas.doctor, family_name="Kovács")
    client = api_as(personas.doctor)
    response = client.patch(f"/api/patients/{patient.pk}", {field: None, "phone": "+36 1 1"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert [e["field"] for e in body["errors"]] == [field]
    assert body["errors"][0]["code"] == "null_not_allowed"
    patient.refresh_from_db()
    assert patient.family_name == "Kovács" and patient.phone != "+36 1 1"


def test_patch_schema_declares_fields_not_nullable(personas: Personas) -> None:
    from django.test import Client

    schema = Client().get("/api/openapi.json").json()
    patch = schema["components"]["schemas"]["PatientPatch"]["properties"]
    assert patch["family_name"]["type"] == "string" and "anyOf" not in patch["family_name"]


def test_search_and_list_leave_an_entry_naming_query_and_patients(
    personas: Personas, api_as: ApiAs
) -> None:
    """The probe: a token holder could page through every patient without a trace."""
    kovacs = make_patient(personas.receptionist, family_name="Kovács", id_value="123456788")
    toth = make_patient(personas.receptionist, family_name="Tóth")
    client = api_as(personas.receptionist)
    assert client.get("/api/patients", q="kovacs").status_code == 200
    assert client.get("/api/patients").status_code == 200
    entries = list(AuditEntry.objects.filter(action=AuditAction.VIEW).order_by("pk"))
    assert [e.changes for e in entries] == [
        {"query": "kovacs", "page": 1, "patient_ids": [kovacs.pk]},
        {"query": "", "page": 1, "patient_ids": [kovacs.pk, toth.pk]},
    ]
    assert all(e.actor == personas.receptionist.user for e in entries)
    assert '"kovacs"' in entries[0].summary and "1 páciens" in entries[0].summary
