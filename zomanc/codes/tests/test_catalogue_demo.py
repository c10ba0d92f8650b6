"""The demo catalogue: realistic, valid under the service rules, no invented OENO codes."""

import pytest

from zomanc.codes.catalogue_demo import DEMO_TREATMENTS, demo_treatments_create
from zomanc.codes.models import TreatmentItem, VatRate
from zomanc.conftest import Personas

pytestmark = pytest.mark.django_db


def test_demo_catalogue(personas: Personas) -> None:
    created = demo_treatments_create(personas.practice_a)
    assert 28 <= len(created) == len(DEMO_TREATMENTS) <= 40
    items = {i.shortcut: i for i in TreatmentItem.objects.filter(practice=personas.practice_a)}
    for shortcut in ("töm", "ext", "gyök", "kor", "imp", "fk", "rtg", "bz", "feh", "konz"):
        assert shortcut in items
    assert all(i.oeno_code == "" for i in items.values())  # never invented
    assert items["feh"].vat_rate == VatRate.STANDARD_27
    assert items["töm"].vat_rate == VatRate.EXEMPT
    assert (items["töm"].needs_tooth, items["töm"].needs_surfaces) == (True, True)
    assert items["ext"].resulting_status == "missing"
    assert items["gyök"].resulting_status == "root_canal"
    assert items["imp"].resulting_status == "implant"
    assert all(1000 <= i.price <= 500000 for i in items.values())
    # Running it again changes nothing; another practice gets its own copy.
    assert demo_treatments_create(personas.practice_a) == []
    assert len(demo_treatments_create(personas.practice_b)) == len(DEMO_TREATMENTS)
