"""TB-lámpa: the seeded colour per test patient; any other valid TAJ → ZOLD, the reserved
"not found" TAJ → BARNA; bad check digit refused."""

from __future__ import annotations

import pytest

from sandbox import testing
from sandbox.conftest import Soap
from sandbox.documents.tests.helpers import ELIGIBILITY
from sandbox.eligibility.services import eligibility_set
from sandbox.registry.models import IdType, Patient
from sandbox.registry.seed import demo_patients

pytestmark = pytest.mark.django_db


def check(soap: Soap, taj: str, **kw: object) -> testing.Answer:
    return soap.call(
        "eligibility", testing.payload(ELIGIBILITY, "EligibilityCheckRequest", taj=taj), **kw
    )  # type: ignore[arg-type]


def test_every_colour_is_seeded_deterministically(soap: Soap) -> None:
    seen = {}
    for p in demo_patients():
        answer = check(soap, p.taj)
        assert answer.find("status") == p.eligibility
        seen[p.eligibility] = answer.find("label")
    assert set(seen) == {"ZOLD", "PIROS", "KEK", "BARNA", "SARGA"}
    assert "térítésköteles" in (seen["BARNA"] or "")


def test_any_valid_taj_is_insured_the_reserved_not_found_is_brown(soap: Soap) -> None:
    assert check(soap, "222222220").find("status") == "ZOLD"
    assert check(soap, "999000014").find("status") == "BARNA"
    assert check(soap, "123456789").fault_code == "TAJ_INVALID"
    assert check(soap, "12345678").fault_code == "SCHEMA_INVALID"


def test_assistant_may_check_and_portal_sets_the_colour(soap: Soap) -> None:
    patient = Patient.objects.get(id_type=IdType.TAJ, id_value="123456788")
    eligibility_set(patient=patient, colour="SARGA")
    answer = check(soap, "123456788", user="ASSZ506097", role="EESZT_FELHASZNALO")
    assert answer.find("status") == "SARGA"
