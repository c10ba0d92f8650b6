"""Lookups in EESZT's public reference data (törzsadat), the `getEntity` JSON endpoint:
`GET …/getEntity?entityId=<ID>&page=<n>&size=<n>` →
`{fieldNames:[{fieldName, fieldId}], entityRows:[{fields:[…]}], totalRowCount}`.

Used to warn (never to refuse) when a stamp number, institution id or org-unit code is not
known there: the register may lag behind reality, so an owner must be able to save anyway.
The endpoint has no filter, so an entity is read page by page into a {key: row} index.

requests runs with `trust_env=False`: REQUESTS_CA_BUNDLE and proxy variables are set on
these machines and must not redirect or re-trust this call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings

# Entity ids and their key field, as served by the sandbox (sandbox/refdata/views.py).
# A setting so the real EESZT's ids can replace them.
DEFAULT_ENTITIES: dict[str, tuple[str, str]] = {
    "doctor": ("DOCTORS", "stamp"),
    "institution": ("INSTITUTIONS", "institutionId"),
    "org_unit": ("ORG_UNITS", "orgUnitId"),
}
PAGE_SIZE = 1000
MAX_PAGES = 200  # 200 000 rows: far above the real doctor register; stops a runaway loop
TIMEOUT_SECONDS = 4.0


class RefdataUnavailable(Exception):
    """The reference-data service could not be asked (down, timeout, unexpected answer)."""


@dataclass(frozen=True)
class RefdataIndex:
    entity: str
    rows: dict[str, dict[str, Any]]

    def get(self, key: str) -> dict[str, Any] | None:
        return self.rows.get(key.strip().upper())


def _entities() -> dict[str, tuple[str, str]]:
    return {**DEFAULT_ENTITIES, **getattr(settings, "EESZT_REFDATA_ENTITIES", {})}


def refdata_index(entity: str, *, session: requests.Session | None = None) -> RefdataIndex:
    """All rows of one entity, keyed by its key field (upper-cased)."""
    entity_id, key_field = _entities()[entity]
    http = session or requests.Session()
    http.trust_env = False
    rows: dict[str, dict[str, Any]] = {}
    try:
        for page in range(MAX_PAGES):
            response = http.get(
                settings.EESZT_REFDATA_URL,
                params={"entityId": entity_id, "page": str(page), "size": str(PAGE_SIZE)},
                timeout=TIMEOUT_SECONDS,
            )
            response.raise_for_status()
            body = response.json()
            field_ids = [f["fieldId"] for f in body["fieldNames"]]
            batch = body["entityRows"]
            for row in batch:
                record = dict(zip(field_ids, row["fields"], strict=False))
                key = str(record.get(key_field, "")).strip().upper()
                if key:
                    rows[key] = record
            if not batch or (page + 1) * PAGE_SIZE >= int(body.get("totalRowCount", 0)):
                break
    except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
        raise RefdataUnavailable(str(exc)) from exc
    finally:
        if session is None:
            http.close()
    return RefdataIndex(entity=entity, rows=rows)
