"""Price list pages: everyone reads, only owners (catalogue_edit) create lists and set
prices; another practice's list is a 404; a bad price is refused with its reason."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.plans.models import PriceList, PriceListEntry

pytestmark = pytest.mark.django_db


def test_owner_creates_a_list_and_sets_prices(
    personas: Personas, catalogue: dict[str, TreatmentItem]
) -> None:
    client = personas.client_for(personas.owner)
    response = client.post(
        reverse("plans:price_lists"), {"name": "Dental tourism", "currency": "EUR"}
    )
    price_list = PriceList.objects.get(practice=personas.practice_a)
    assert response["Location"] == reverse("plans:price_list", args=[price_list.pk])
    url = reverse("plans:price_list", args=[price_list.pk])
    item = catalogue["kor"]
    page = client.post(
        url, {"treatment": item.pk, "price": "320.005", "name_en": "Zirconia crown"}, follow=True
    ).content.decode()
    assert not PriceListEntry.objects.exists() and "Adjon meg érvényes árat." in page
    page = client.post(url, {"treatment": item.pk, "price": "-1"}, follow=True).content.decode()
    assert "Az ár nem lehet negatív." in page and not PriceListEntry.objects.exists()
    client.post(url, {"treatment": item.pk, "price": "320.00", "name_en": "Zirconia crown"})
    entry = PriceListEntry.objects.get()
    assert (entry.price, entry.name_en, entry.treatment) == (
        Decimal("320.00"),
        "Zirconia crown",
        item,
    )


def test_price_list_pages_personas(
    personas: Personas, eur_list: PriceList, catalogue: dict[str, TreatmentItem]
) -> None:
    urls = [reverse("plans:price_lists"), reverse("plans:price_list", args=[eur_list.pk])]
    for url in urls:
        assert Client().get(url).status_code == 302
    doctor = personas.client_for(personas.doctor)
    assert doctor.get(urls[1]).status_code == 200
    assert doctor.post(urls[0], {"name": "X", "currency": "HUF"}).status_code == 403
    assert doctor.post(urls[1], {"treatment": catalogue["kor"].pk, "price": "1"}).status_code == 403
    outsider = personas.client_for(personas.outsider)
    assert outsider.get(urls[1]).status_code == 404
    assert "Dental tourism" not in outsider.get(urls[0]).content.decode()
    # Another practice's catalogue item cannot be priced into this list.
    b_item = TreatmentItem.objects.create(practice=personas.practice_b, name="B", price=Decimal(1))
    owner = personas.client_for(personas.owner)
    assert owner.post(urls[1], {"treatment": b_item.pk, "price": "1"}).status_code == 404
    assert PriceList.objects.filter(practice=personas.practice_a).count() == 1
    assert eur_list.entries.filter(treatment=b_item).count() == 0
