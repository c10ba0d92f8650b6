"""Treatment catalogue services: Hungarian validation, shortcut uniqueness, deactivation."""

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from zomanc.audit.models import AuditEntry
from zomanc.codes.catalogue_selectors import treatment_by_shortcut, treatment_catalogue
from zomanc.codes.catalogue_services import (
    treatment_item_create,
    treatment_item_deactivate,
    treatment_item_set_active,
    treatment_item_update,
)
from zomanc.codes.models import TreatmentItem, VatRate
from zomanc.conftest import Personas

pytestmark = pytest.mark.django_db


def fields(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "Kompozit tömés, 1 felszín",
        "shortcut": "töm",
        "price": Decimal(25000),
        "vat_rate": VatRate.EXEMPT,
        "duration_minutes": 30,
        "oeno_code": "",
        "needs_tooth": True,
        "needs_surfaces": True,
        "resulting_status": "filling",
    }
    values.update(overrides)
    return values


def create(personas: Personas, **overrides: Any) -> TreatmentItem:
    return treatment_item_create(
        practice=personas.practice_a, actor=personas.owner, **fields(**overrides)
    )


def errors_of(personas: Personas, **overrides: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        create(personas, **overrides)
    return caught.value.message_dict


def test_create_normalises_and_audits(personas: Personas) -> None:
    item = create(personas, name="  Kompozit   tömés ", shortcut=" TÖM ", price="25 000")
    assert (item.name, item.shortcut, item.price) == ("Kompozit tömés", "töm", Decimal(25000))
    entry = AuditEntry.objects.get(object_type="codes.treatmentitem", object_id=str(item.pk))
    assert entry.actor == personas.owner.user
    assert entry.changes["shortcut"] == "töm"


@pytest.mark.parametrize("code", ["1234", "123456", "12a45", "12 45", "-1234"])
def test_oeno_code_must_be_five_digits(personas: Personas, code: str) -> None:
    assert errors_of(personas, oeno_code=code)["oeno_code"] == [
        "Az OENO-kód pontosan 5 számjegy; ha nem ismert, hagyja üresen."
    ]


def test_oeno_code_five_digits_or_empty_accepted(personas: Personas) -> None:
    assert create(personas, oeno_code="").oeno_code == ""
    assert create(personas, oeno_code="01234", shortcut="töm2").oeno_code == "01234"


@pytest.mark.parametrize(
    ("price", "message"),
    [
        (Decimal(-1), "Az ár nem lehet negatív."),
        ("-500", "Az ár nem lehet negatív."),
        (Decimal("100.5"), "Az árat egész forintban adja meg."),
        ("sok", "Adja meg az árat forintban (pl. 25000)."),
        ("NaN", "Adja meg az árat forintban (pl. 25000)."),
        (Decimal("99999999999"), "Az ár túl nagy."),
    ],
)
def test_price_rules(personas: Personas, price: Any, message: str) -> None:
    assert errors_of(personas, price=price)["price"] == [message]


def test_free_item_allowed(personas: Personas) -> None:
    assert create(personas, price=Decimal(0), shortcut="", name="Kontroll").price == 0


def test_shortcut_unique_per_practice_naming_the_other_item(personas: Personas) -> None:
    create(personas)
    message = errors_of(personas, name="Másik tömés", shortcut="TÖM")["shortcut"][0]
    assert (
        message
        == "A(z) „töm” gyorsbillentyűt már a(z) „Kompozit tömés, 1 felszín” kezelés használja."
    )
    # Another practice may use the same shortcut.
    other = treatment_item_create(practice=personas.practice_b, actor=personas.outsider, **fields())
    assert other.shortcut == "töm"
    # Items without a shortcut never clash.
    create(personas, shortcut="", name="A")
    create(personas, shortcut="", name="B")


def test_shortcut_of_an_inactive_item_stays_reserved_and_says_so(personas: Personas) -> None:
    item = create(personas)
    treatment_item_deactivate(item=item, actor=personas.owner)
    assert "(inaktív)" in errors_of(personas, name="Új tömés")["shortcut"][0]


@pytest.mark.parametrize("shortcut", ["36", "1töm", "töm mod", "x2", "2x", "töm,", "a" * 21])
def test_shortcut_shape(personas: Personas, shortcut: str) -> None:
    assert "gyorsbillentyű egyetlen szó" in errors_of(personas, shortcut=shortcut)["shortcut"][0]


def test_duration_vat_and_name(personas: Personas) -> None:
    errors = errors_of(personas, duration_minutes=0, vat_rate="5", name="  ")
    assert errors["duration_minutes"] == ["Az időtartam 5 és 480 perc között lehet."]
    assert errors["vat_rate"] == ["Ismeretlen áfakulcs."]
    assert errors["name"] == ["Adja meg a kezelés megnevezését."]


def test_tooth_surface_status_consistency(personas: Personas) -> None:
    assert "needs_surfaces" in errors_of(personas, needs_tooth=False, resulting_status="")
    assert "resulting_status" in errors_of(personas, needs_tooth=False, needs_surfaces=False)
    assert errors_of(personas, resulting_status="shiny")["resulting_status"] == [
        "Ismeretlen fogstátusz."
    ]
    # A crown is a whole-tooth status: it does not fit a surface procedure.
    assert "egész fogra" in errors_of(personas, resulting_status="crown")["resulting_status"][0]
    crown = create(personas, shortcut="kor", needs_surfaces=False, resulting_status="crown")
    assert crown.resulting_status == "crown"


def test_whitening_carries_27_percent(personas: Personas) -> None:
    item = create(
        personas,
        name="Fogfehérítés",
        shortcut="feh",
        vat_rate=VatRate.STANDARD_27,
        needs_tooth=False,
        needs_surfaces=False,
        resulting_status="",
    )
    assert item.get_vat_rate_display() == "27 %"


def test_update_keeps_unchanged_fields_and_checks_uniqueness(personas: Personas) -> None:
    item = create(personas)
    create(
        personas,
        name="Gyökérkezelés",
        shortcut="gyök",
        needs_surfaces=False,
        resulting_status="root_canal",
    )
    treatment_item_update(item=item, actor=personas.owner, price=Decimal(27000))
    item.refresh_from_db()
    assert (item.price, item.shortcut, item.name) == (
        Decimal(27000),
        "töm",
        "Kompozit tömés, 1 felszín",
    )
    treatment_item_update(item=item, actor=personas.owner, shortcut="töm")  # itself is no clash
    with pytest.raises(ValidationError) as caught:
        treatment_item_update(item=item, actor=personas.owner, shortcut="gyök")
    assert "Gyökérkezelés" in caught.value.message_dict["shortcut"][0]
    item.refresh_from_db()
    assert item.shortcut == "töm"
    entry = AuditEntry.objects.filter(object_id=str(item.pk), action="update").first()
    assert entry is not None and entry.changes == {"price": ["25000", "27000"]}


def test_deactivate_and_selectors(personas: Personas) -> None:
    item = create(personas)
    create(
        personas, name="Foghúzás", shortcut="ext", needs_surfaces=False, resulting_status="missing"
    )
    treatment_item_create(practice=personas.practice_b, actor=None, **fields(name="B-tömés"))
    assert [i.name for i in treatment_catalogue(personas.practice_a)] == [
        "Foghúzás",
        "Kompozit tömés, 1 felszín",
    ]
    assert treatment_by_shortcut(personas.practice_a, "TÖM ") == item
    treatment_item_deactivate(item=item, actor=personas.owner)
    assert [i.name for i in treatment_catalogue(personas.practice_a)] == ["Foghúzás"]
    assert len(treatment_catalogue(personas.practice_a, active_only=False)) == 2
    assert treatment_by_shortcut(personas.practice_a, "töm") is None
    treatment_item_set_active(item=item, is_active=True, actor=personas.owner)
    assert treatment_by_shortcut(personas.practice_a, "töm") == item


def test_unknown_field_is_a_programming_error(personas: Personas) -> None:
    with pytest.raises(TypeError):
        treatment_item_create(practice=personas.practice_a, actor=None, colour="red", **fields())
