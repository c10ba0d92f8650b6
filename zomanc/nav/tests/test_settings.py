"""NAV settings: sealed by the vault (nothing readable in the database or a repr), checked
with specific Hungarian messages, replaced secrets destroyed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from zomanc.conftest import Personas
from zomanc.eeszt.models import SealedSecret
from zomanc.nav.models import NavSettings
from zomanc.nav.services import nav_credentials, nav_settings_save

SECRET = dict(
    login="mosolynavdemo01",
    password="Titkos-Jelszo-2026",
    signature_key="a1-b2c3-d4e5f6a7b8c9MOSOLYDEMO01",
    exchange_key="a1b2MOSOLYDEMO01",
)


def test_secrets_are_sealed_and_round_trip(personas: Personas) -> None:
    row = nav_settings_save(company=personas.company_a, actor=personas.owner, **SECRET)
    personas.company_a.tax_number = "24681353-2-41"
    personas.company_a.save()
    stored = b"".join(
        bytes(s.ciphertext) + bytes(s.wrapped_key) + s.purpose.encode()
        for s in SealedSecret.objects.all()
    )
    for value in (SECRET["password"], SECRET["signature_key"], SECRET["exchange_key"]):
        assert value.encode() not in stored
        assert value not in str(NavSettings.objects.values().get(pk=row.pk))
    row = NavSettings.objects.select_related("company").get(pk=row.pk)
    creds = nav_credentials(row)
    assert (creds.password, creds.exchange_key, creds.tax_number) == (
        SECRET["password"],
        SECRET["exchange_key"],
        "24681353",
    )
    assert SECRET["password"] not in repr(creds) and SECRET["signature_key"] not in repr(creds)
    # Replaced: the old secrets are destroyed (crypto-shredded), three new ones remain.
    nav_settings_save(company=personas.company_a, actor=personas.owner, **SECRET)
    assert SealedSecret.objects.count() == 3


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("login", "a b", "6–15"),
        ("exchange_key", "short", "16 karakter"),
        ("signature_key", "x", "aláírókulcs"),
        ("password", "", "jelszó"),
    ],
)
def test_bad_settings_refused_nothing_saved(
    personas: Personas, field: str, value: str, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        nav_settings_save(
            company=personas.company_a, actor=personas.owner, **{**SECRET, field: value}
        )
    assert message in str(caught.value.message_dict[field])
    assert not NavSettings.objects.exists() and not SealedSecret.objects.exists()
