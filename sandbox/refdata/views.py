"""GET /refdata/getEntity?entityId=<ID>&page=<n>&size=<n> — the public reference-data shape:
{fieldNames:[{fieldName, fieldId}], entityRows:[{fields:[...]}], totalRowCount}.
Entities: DOCTORS (stamp, name), INSTITUTIONS, ORG_UNITS (with their institution)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from sandbox.registry.models import Doctor, Institution, OrgUnit

ENTITIES: dict[str, tuple[list[tuple[str, str]], Any]] = {
    "DOCTORS": (
        [("stamp", "Pecsétszám"), ("name", "Név")],
        lambda: Doctor.objects.order_by("stamp").values_list("stamp", "name"),
    ),
    "INSTITUTIONS": (
        [("institutionId", "Intézményazonosító"), ("name", "Név")],
        lambda: Institution.objects.order_by("institution_id").values_list(
            "institution_id", "name"
        ),
    ),
    "ORG_UNITS": (
        [
            ("orgUnitId", "Szervezeti egység kód"),
            ("name", "Név"),
            ("institutionId", "Intézményazonosító"),
            ("specialty", "Szakma"),
        ],
        lambda: OrgUnit.objects.order_by("code").values_list(
            "code", "name", "institution__institution_id", "specialty"
        ),
    ),
}


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(value))) if value is not None else default
    except ValueError:
        return default


@require_GET
def get_entity(request: HttpRequest) -> HttpResponse:
    entity = ENTITIES.get(request.GET.get("entityId", ""))
    if entity is None:
        return JsonResponse(
            {"error": "Ismeretlen entityId.", "entityIds": sorted(ENTITIES)}, status=404
        )
    fields, query = entity
    page = _int(request.GET.get("page"), 0, 0, 1_000_000)
    size = _int(request.GET.get("size"), 100, 1, 1000)
    rows: QuerySet[Any] = query()
    total = rows.count()
    chunk = rows[page * size : (page + 1) * size]
    return JsonResponse(
        {
            "fieldNames": [{"fieldName": label, "fieldId": fid} for fid, label in fields],
            "entityRows": [{"fields": list(r)} for r in chunk],
            "totalRowCount": total,
        }
    )
