from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_doctors_entity_shape_and_paging(client: Client, seeded: None) -> None:
    r = client.get("/refdata/getEntity?entityId=DOCTORS&page=0&size=2")
    data = r.json()
    assert data["fieldNames"] == [
        {"fieldName": "Pecsétszám", "fieldId": "stamp"},
        {"fieldName": "Név", "fieldId": "name"},
    ]
    assert data["totalRowCount"] == 6
    assert [row["fields"] for row in data["entityRows"]] == [
        ["45678", "Dr. Horváth László"],
        ["52001", "Dr. Fekete Zsófia"],
    ]
    page2 = client.get("/refdata/getEntity?entityId=DOCTORS&page=1&size=2").json()
    assert page2["entityRows"][0]["fields"][0] == "58012"


def test_org_units_carry_their_institution(client: Client, seeded: None) -> None:
    data = client.get("/refdata/getEntity?entityId=ORG_UNITS&size=100").json()
    rows = {row["fields"][0]: row["fields"] for row in data["entityRows"]}
    assert rows["001044299"][2] == "506097"
    institutions = client.get("/refdata/getEntity?entityId=INSTITUTIONS").json()
    assert ["506097", "Mosoly Fogászat Kft."] in [r["fields"] for r in institutions["entityRows"]]


def test_unknown_entity_is_404(client: Client, seeded: None) -> None:
    assert client.get("/refdata/getEntity?entityId=NOPE").status_code == 404


def test_bno_validity_sex_and_age() -> None:
    import datetime as dt

    from sandbox.refdata.bno import bno_problem, bno_table

    assert bno_problem("K0210", on=dt.date(2024, 1, 1)) is None
    assert bno_problem("K021", on=dt.date(2024, 1, 1))
    female = next(c for c in bno_table().values() if c.sex == "2")
    assert bno_problem(female.code, on=dt.date(2024, 1, 1), sex="1")
    limited = next(c for c in bno_table().values() if c.age_max < 99)
    assert bno_problem(limited.code, on=dt.date(2024, 1, 1), age=limited.age_max + 1)
