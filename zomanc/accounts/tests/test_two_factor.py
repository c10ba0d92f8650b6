from datetime import timedelta
from typing import Any

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from zomanc.accounts.models import SealedTOTPDevice
from zomanc.accounts.tests.helpers import confirmed_device, totp_code
from zomanc.audit.models import AuditAction, AuditEntry
from zomanc.conftest import PASSWORD, Personas

LOGIN = "/accounts/login/"
CODE = "/accounts/login/code/"
TWO_FACTOR = "/accounts/two-factor/"


def test_two_factor_page_requires_login(personas: Personas) -> None:
    response = Client().get(TWO_FACTOR)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_enrolment_shows_inline_qr_code_and_confirms_with_a_code(personas: Personas) -> None:
    client = personas.client_for(personas.doctor)
    page = client.get(TWO_FACTOR).content.decode()
    assert 'src="data:image/svg+xml;base64,' in page
    device = SealedTOTPDevice.objects.get(user=personas.doctor.user)
    assert not device.confirmed
    # Reloading keeps the same secret (the user may already have scanned it).
    client.get(TWO_FACTOR)
    assert SealedTOTPDevice.objects.filter(user=personas.doctor.user).count() == 1

    wrong = client.post(TWO_FACTOR, {"code": "000000" if totp_code(device) != "000000" else "1"})
    assert "A kód nem egyezik" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    with time_machine.travel(timezone.now() + timedelta(seconds=5)):  # past django-otp's 1 s
        response = client.post(TWO_FACTOR, {"code": totp_code(device)}, follow=True)
    assert "be van kapcsolva" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEntry.objects.filter(
        action=AuditAction.UPDATE, summary__startswith="Kétlépcsős azonosítás bekapcsolva"
    ).exists()


def test_login_asks_for_the_code_when_user_has_a_device(personas: Personas) -> None:
    device = confirmed_device(personas.doctor.user)
    client = Client()
    response = client.post(LOGIN, {"email": "fogorvos@mosoly.test", "password": PASSWORD})
    assert response["Location"] == CODE
    # Not signed in yet: the password alone opens nothing.
    assert client.get("/").status_code == 302
    response = client.post(CODE, {"code": totp_code(device)})
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    user: Any = home.wsgi_request.user
    assert user.is_verified()
    entry = AuditEntry.objects.get(action=AuditAction.LOGIN)
    assert "kétlépcsős" in entry.summary


def test_wrong_codes_count_towards_the_lock(personas: Personas) -> None:
    device = confirmed_device(personas.doctor.user)
    client = Client()
    start = timezone.now()
    for i in range(5):
        with time_machine.travel(start + timedelta(minutes=i), tick=False):
            client.post(LOGIN, {"email": "fogorvos@mosoly.test", "password": PASSWORD})
            wrong = "123456" if totp_code(device) != "123456" else "654321"
            response = client.post(CODE, {"code": wrong})
    assert "Túl sok sikertelen" in response.content.decode()
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        # Even the password step is locked now.
        again = client.post(LOGIN, {"email": "fogorvos@mosoly.test", "password": PASSWORD})
        assert "Túl sok sikertelen" in again.content.decode()


def test_code_step_expires(personas: Personas) -> None:
    device = confirmed_device(personas.doctor.user)
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.post(LOGIN, {"email": "fogorvos@mosoly.test", "password": PASSWORD})
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        response = client.post(CODE, {"code": totp_code(device)})
        assert response["Location"] == reverse("accounts:login")
        assert client.get("/").status_code == 302


def test_code_page_without_password_step_goes_back_to_login(personas: Personas) -> None:
    assert Client().get(CODE)["Location"] == reverse("accounts:login")


def test_code_format_error_is_next_to_the_field(personas: Personas) -> None:
    confirmed_device(personas.doctor.user)
    client = Client()
    client.post(LOGIN, {"email": "fogorvos@mosoly.test", "password": PASSWORD})
    response = client.post(CODE, {"code": "12ab"})
    assert "A kód 6 számjegy" in response.content.decode()


def test_owner_is_sent_to_enrolment_when_practice_requires_2fa(personas: Personas) -> None:
    personas.practice_a.require_owner_2fa = True
    personas.practice_a.save()
    client = Client()
    response = client.post(LOGIN, {"email": "tulaj@mosoly.test", "password": PASSWORD})
    # Signed in, but every page leads to enrolment first.
    for path in ("/", "/beallitasok/", "/naplo/"):
        assert client.get(path)["Location"] == TWO_FACTOR
    page = client.get(TWO_FACTOR).content.decode()
    assert "kötelező a kétlépcsős azonosítás" in page
    device = SealedTOTPDevice.objects.get(user=personas.owner.user)
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        client.post(TWO_FACTOR, {"code": totp_code(device)})
    assert client.get("/").status_code == 200
    assert response.status_code == 302


def test_requirement_does_not_apply_to_other_roles(personas: Personas) -> None:
    personas.practice_a.require_owner_2fa = True
    personas.practice_a.save()
    assert personas.client_for(personas.doctor).get("/").status_code == 200


def test_owner_with_device_but_unverified_session_is_signed_out(personas: Personas) -> None:
    personas.practice_a.require_owner_2fa = True
    personas.practice_a.save()
    confirmed_device(personas.owner.user)
    client = personas.client_for(personas.owner)  # a session that never passed the code step
    response = client.get("/naplo/")
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session


def test_required_second_factor_cannot_be_switched_off(personas: Personas) -> None:
    personas.practice_a.require_owner_2fa = True
    personas.practice_a.save()
    device = confirmed_device(personas.owner.user)
    client = Client()
    client.post(LOGIN, {"email": "tulaj@mosoly.test", "password": PASSWORD})
    client.post(CODE, {"code": totp_code(device)})
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        response = client.post(TWO_FACTOR, {"code": totp_code(device)})
    assert "nem kapcsolható ki" in response.content.decode()
    assert SealedTOTPDevice.objects.filter(user=personas.owner.user, confirmed=True).exists()


def test_second_factor_can_be_switched_off_with_a_current_code(personas: Personas) -> None:
    device = confirmed_device(personas.doctor.user)
    client = Client()
    client.post(LOGIN, {"email": "fogorvos@mosoly.test", "password": PASSWORD})
    client.post(CODE, {"code": totp_code(device)})
    wrong = client.post(TWO_FACTOR, {"code": "000000" if totp_code(device) != "000000" else "1"})
    assert "hibás" in wrong.content.decode()
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        client.post(TWO_FACTOR, {"code": totp_code(device)})
    assert not SealedTOTPDevice.objects.filter(user=personas.doctor.user).exists()


# --- the seed is sealed in the vault ---------------------------------------------------------


def test_the_seed_is_stored_sealed_and_still_checks_codes(personas: Personas) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from zomanc.eeszt.models import SealedSecret

    device = confirmed_device(personas.doctor.user)
    stored = TOTPDevice.objects.get(pk=device.pk).key
    assert stored.startswith("vault:")
    secret = SealedSecret.objects.get(uid=stored.removeprefix("vault:"))
    assert device.bin_key not in bytes(secret.ciphertext)
    fresh = SealedTOTPDevice.objects.get(pk=device.pk)
    assert fresh.verify_token(totp_code(fresh))
    # Removing the device shreds its sealed seed.
    SealedTOTPDevice.objects.filter(pk=device.pk).delete()
    assert not SealedSecret.objects.filter(uid=secret.uid).exists()


def test_the_migration_seals_existing_plain_seeds(personas: Personas) -> None:
    """Devices enrolled before the vault held their seed as hex: the data migration seals
    them, and the authenticator app the user already has keeps working."""
    import importlib

    from django.apps import apps
    from django_otp.plugins.otp_totp.models import TOTPDevice

    migration = importlib.import_module("zomanc.accounts.migrations.0003_totp_seed_sealed")
    plain = TOTPDevice.objects.create(user=personas.owner.user, name="régi", confirmed=True)
    seed_hex = plain.key
    migration.seal_plain_seeds(apps, None)
    migration.seal_plain_seeds(apps, None)  # idempotent: a sealed key is left alone
    stored = TOTPDevice.objects.get(pk=plain.pk).key
    assert stored.startswith("vault:") and seed_hex not in stored
    sealed = SealedTOTPDevice.objects.get(pk=plain.pk)
    assert sealed.bin_key.hex() == seed_hex
    assert sealed.verify_token(totp_code(sealed))
    migration.unseal_seeds(apps, None)  # the way back restores the plain seed
    assert TOTPDevice.objects.get(pk=plain.pk).key == seed_hex
