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


def test_demo_families(personas: Personas) -> None:
    demo_treatments_create(personas.practice_a)
    items = {i.shortcut: i for i in TreatmentItem.objects.filter(practice=personas.practice_a)}
    fillings = [items[s] for s in ("töm", "töm2", "töm3", "töm4")]
    canals = [items[s] for s in ("gyök", "gyök2", "gyök3", "gyök4")]
    assert [(i.family, i.variant_basis, i.variant_count) for i in fillings] == [
        ("Kompozit tömés", "surfaces", n) for n in (1, 2, 3, 4)
    ]
    assert [(i.family, i.variant_basis, i.variant_count) for i in canals] == [
        ("Gyökérkezelés", "canals", n) for n in (1, 2, 3, 4)
    ]
    # More surfaces or canals cost more, and 4+ is named so.
    assert [i.price for i in fillings] == sorted(i.price for i in fillings)
    assert [i.price for i in canals] == sorted(i.price for i in canals)
    assert items["töm4"].variant_label == "4+ felszín"
    assert items["inlay"].family == ""


def test_demo_items_from_before_families_join_them_once(personas: Personas) -> None:
    """A demo loaded before families existed: its items get their family on the next load,
    and a third load changes nothing."""
    demo_treatments_create(personas.practice_a)
    TreatmentItem.objects.filter(practice=personas.practice_a).update(
        family="", variant_basis="", variant_count=None
    )
    TreatmentItem.objects.filter(practice=personas.practice_a, shortcut="töm4").delete()
    created = demo_treatments_create(personas.practice_a)
    assert [i.shortcut for i in created] == ["töm4"]
    one_surface = TreatmentItem.objects.get(practice=personas.practice_a, shortcut="töm")
    assert (one_surface.family, one_surface.variant_count) == ("Kompozit tömés", 1)
    before = list(TreatmentItem.objects.order_by("id").values())
    assert demo_treatments_create(personas.practice_a) == []
    assert list(TreatmentItem.objects.order_by("id").values()) == before
