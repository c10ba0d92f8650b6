"""Catalogue pages with the fixed personas."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from zomanc.codes.catalogue_demo import demo_treatments_create
from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(personas: Personas) -> TreatmentItem:
    demo_treatments_create(personas.practice_a)
    demo_treatments_create(personas.practice_b)
    return TreatmentItem.objects.get(practice=personas.practice_a, shortcut="töm")


def form(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Üvegionomer tömés",
        "shortcut": "üt",
        "price": "45 000",
        "vat_rate": "AAM",
        "duration_minutes": "60",
        "oeno_code": "",
        "needs_tooth": "on",
        "needs_surfaces": "on",
        "resulting_status": "filling",
    }
    data.update(overrides)
    return data


EDIT_VIEWS = [
    ("get", "codes:catalogue_create", False),
    ("post", "codes:catalogue_create", False),
    ("get", "codes:catalogue_edit", True),
    ("post", "codes:catalogue_edit", True),
    ("post", "codes:catalogue_set_active", True),
]


def call(
    client: Client, method: str, name: str, needs_id: bool, item_id: int, data: Any = None
) -> Any:
    url = reverse(name, args=[item_id]) if needs_id else reverse(name)
    return getattr(client, method)(url, data or {})


@pytest.mark.parametrize(
    ("method", "name", "needs_id"), [("get", "codes:catalogue", False), *EDIT_VIEWS]
)
def test_requires_login(item: TreatmentItem, method: str, name: str, needs_id: bool) -> None:
    response = call(Client(), method, name, needs_id, item.pk)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ["doctor", "assistant", "receptionist"])
@pytest.mark.parametrize(("method", "name", "needs_id"), EDIT_VIEWS)
def test_requires_owner(
    personas: Personas, item: TreatmentItem, role: str, method: str, name: str, needs_id: bool
) -> None:
    client = personas.client_for(getattr(personas, role))
    assert call(client, method, name, needs_id, item.pk, form(active="0")).status_code == 403
    item.refresh_from_db()
    assert item.is_active and item.price == 25000


@pytest.mark.parametrize("role", ["owner", "doctor", "assistant", "receptionist"])
def test_everyone_reads_the_catalogue_own_practice_only(
    personas: Personas, item: TreatmentItem, role: str, django_assert_max_num_queries: Any
) -> None:
    client = personas.client_for(getattr(personas, role))
    client.get(reverse("codes:catalogue"))
    with django_assert_max_num_queries(12):
        html = client.get(reverse("codes:catalogue")).content.decode()
    assert "Kompozit tömés, 1 felszín" in html and "25\xa0000\xa0Ft" in html
    assert ("Új kezelés" in html) == (role == "owner")
    assert (
        html.count("<tr") == TreatmentItem.objects.filter(practice=personas.practice_a).count() + 1
    )


def test_list_query_count_does_not_grow(personas: Personas, django_assert_num_queries: Any) -> None:
    client = personas.client_for(personas.owner)
    client.get(reverse("codes:catalogue"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as empty:
        client.get(reverse("codes:catalogue"))
    demo_treatments_create(personas.practice_a)
    with django_assert_num_queries(len(empty)):
        client.get(reverse("codes:catalogue"))


@pytest.mark.parametrize(("method", "name"), [(m, n) for m, n, needs_id in EDIT_VIEWS if needs_id])
def test_hides_other_practice(
    personas: Personas, item: TreatmentItem, method: str, name: str
) -> None:
    client = personas.client_for(personas.outsider)
    assert call(client, method, name, True, item.pk, form(active="0")).status_code == 404
    item.refresh_from_db()
    assert item.is_active and item.name == "Kompozit tömés, 1 felszín"


def test_owner_creates_edits_deactivates(personas: Personas, item: TreatmentItem) -> None:
    client = personas.client_for(personas.owner)
    assert client.post(reverse("codes:catalogue_create"), form()).status_code == 302
    created = TreatmentItem.objects.get(practice=personas.practice_a, shortcut="üt")
    assert created.price == 45000
    response = client.post(
        reverse("codes:catalogue_edit", args=[item.pk]),
        form(
            name=item.name,
            shortcut="töm",
            price="26000",
            family="Kompozit tömés",
            variant_basis="surfaces",
            variant_count="1",
        ),
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.price == 26000
    assert (item.family, item.variant_basis, item.variant_count) == (
        "Kompozit tömés",
        "surfaces",
        1,
    )
    client.post(reverse("codes:catalogue_set_active", args=[item.pk]), {"active": "0"})
    item.refresh_from_db()
    assert not item.is_active
    table = client.get(reverse("codes:catalogue")).content.decode().split("<table")[1]
    assert "Kompozit tömés, 1 felszín" not in table
    html = client.get(reverse("codes:catalogue") + "?inaktiv=1").content.decode()
    assert "Kompozit tömés, 1 felszín" in html.split("<table")[1]


@pytest.mark.parametrize(
    ("field", "overrides", "message"),
    [
        (
            "oeno_code",
            {"oeno_code": "1234"},
            "Az OENO-kód pontosan 5 számjegy; ha nem ismert, hagyja üresen.",
        ),
        ("price", {"price": "-100"}, "Az ár nem lehet negatív."),
        ("price", {"price": "ezer"}, "Adja meg az árat forintban (pl. 25000)."),
        (
            "shortcut",
            {"shortcut": "töm"},
            "A(z) „töm” gyorsbillentyűt már a(z) „Kompozit tömés, 1 felszín” kezelés használja.",
        ),
        ("name", {"name": ""}, "Adja meg a kezelés megnevezését."),
        ("duration_minutes", {"duration_minutes": "0"}, "Az időtartam 5 és 480 perc között lehet."),
        (
            "variant_basis",
            {"family": "Üvegionomer tömés"},
            "Családtagnál adja meg, mi szerint különböznek a változatok (felszín vagy csatorna).",
        ),
        (
            "variant_count",
            {"family": "Üvegionomer tömés", "variant_basis": "surfaces"},
            "Adja meg, hány felszínes vagy csatornás ez a változat.",
        ),
        (
            "variant_basis",
            {"variant_count": "2"},
            "A darabszámhoz adja meg, mire vonatkozik (felszínek vagy csatornák száma).",
        ),
        (
            "variant_basis",
            {"variant_basis": "surfaces", "variant_count": "2", "needs_surfaces": ""},
            "Felszínek szerinti változathoz jelölje be a „felszín megadása kötelező” mezőt.",
        ),
        (
            "variant_basis",
            {
                "variant_basis": "canals",
                "variant_count": "2",
                "needs_tooth": "",
                "needs_surfaces": "",
                "resulting_status": "",
            },
            "Csatornák szerinti változathoz jelölje be a „fog megadása kötelező” mezőt.",
        ),
        (
            "variant_count",
            {"family": "Kompozit tömés", "variant_basis": "surfaces", "variant_count": "3"},
            "A(z) „Kompozit tömés” családban ez a változat már megvan: "
            "„Kompozit tömés, 3 felszín”.",
        ),
        (
            "variant_basis",
            {"family": "Gyökérkezelés", "variant_basis": "surfaces", "variant_count": "1"},
            "A(z) „Gyökérkezelés” család változatai gyökércsatornák száma szerint különböznek.",
        ),
        ("variant_count", {"variant_basis": "surfaces", "variant_count": "5"}, "Válasszon"),
    ],
)
def test_bad_input_is_shown_next_to_the_field(
    personas: Personas, item: TreatmentItem, field: str, overrides: dict[str, str], message: str
) -> None:
    client = personas.client_for(personas.owner)
    before = TreatmentItem.objects.count()
    response = client.post(reverse("codes:catalogue_create"), form(**overrides))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<ul class="errorlist" id="id_{field}_error"><li>{message}' in html
    assert TreatmentItem.objects.count() == before


def test_family_fields_are_shown_and_edited(personas: Personas, item: TreatmentItem) -> None:
    client = personas.client_for(personas.owner)
    table = client.get(reverse("codes:catalogue")).content.decode().split("<table")[1]
    assert "Kompozit tömés · 3 felszín" in table and "Gyökérkezelés · 4+ csatorna" in table
    html = client.get(reverse("codes:catalogue_edit", args=[item.pk])).content.decode()
    assert 'name="family" value="Kompozit tömés"' in html
    assert '<option value="surfaces" selected>' in html
    assert '<option value="1" selected>1</option>' in html
    assert '<option value="Gyökérkezelés">' in html  # the datalist of families
    # A new family from the form: a glass ionomer filling for one surface.
    response = client.post(
        reverse("codes:catalogue_create"),
        form(family="Üvegionomer tömés", variant_basis="surfaces", variant_count="1"),
    )
    assert response.status_code == 302
    created = TreatmentItem.objects.get(practice=personas.practice_a, shortcut="üt")
    assert (created.family, created.variant_count) == ("Üvegionomer tömés", 1)


def test_reactivating_a_replaced_variant_is_refused(
    personas: Personas, item: TreatmentItem
) -> None:
    client = personas.client_for(personas.owner)
    url = reverse("codes:catalogue_set_active", args=[item.pk])
    client.post(url, {"active": "0"})
    client.post(
        reverse("codes:catalogue_create"),
        form(
            name="Kompozit tömés, 1 felszín (új)",
            family="Kompozit tömés",
            variant_basis="surfaces",
            variant_count="1",
        ),
    )
    response = client.post(url, {"active": "1"}, follow=True)
    item.refresh_from_db()
    assert not item.is_active
    assert (
        "A(z) „Kompozit tömés, 1 felszín” nem aktiválható: a(z) „Kompozit tömés” család ezen "
        "változata már aktív („Kompozit tömés, 1 felszín (új)”)."
    ) in response.content.decode()
