"""NAV settings per company (the technical user, sealed) and the connection test.

The four values NAV's web interface gives a technical user are stored like the EESZT
certificate: login in the clear (it is shown), password, signature key and exchange key as
vault-sealed secrets bound to the company. Nothing here logs a secret."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zomanc.eeszt.vault import vault_decrypt, vault_destroy, vault_encrypt
from zomanc.nav.client.crypto import tax_number_parts
from zomanc.nav.client.errors import NavError
from zomanc.nav.client.wire import Credentials, NavConnection
from zomanc.nav.models import NavSettings
from zomanc.practices.models import Company, StaffMember

LOGIN_RE = re.compile(r"^[a-zA-Z0-9]{6,15}$")


def _check(login: str, password: str, signature_key: str, exchange_key: str) -> None:
    errors: dict[str, str] = {}
    if not LOGIN_RE.match(login):
        errors["login"] = _("A technikai felhasználó neve 6–15 betű vagy számjegy.")
    if not password:
        errors["password"] = _("A jelszó megadása kötelező.")
    if not 20 <= len(signature_key) <= 40:
        errors["signature_key"] = _("Az aláírókulcsot a NAV felületén látható formában adja meg.")
    if len(exchange_key.encode()) != 16:
        errors["exchange_key"] = _("A cserekulcs pontosan 16 karakter.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def nav_settings_save(
    *,
    company: Company,
    login: str,
    password: str,
    signature_key: str,
    exchange_key: str,
    actor: StaffMember | None,
) -> NavSettings:
    """Stores (or replaces) the company's technical user; the old secrets are destroyed."""
    login, signature_key, exchange_key = login.strip(), signature_key.strip(), exchange_key.strip()
    _check(login, password, signature_key, exchange_key)
    row = NavSettings.objects.select_for_update().filter(company=company).first()
    if row is None:
        row = NavSettings(practice_id=company.practice_id, company=company)
    old = [row.password_secret, row.signature_key_secret, row.exchange_key_secret]
    row.login = login
    row.updated_by = actor
    row.last_test_ok = None
    row.last_test_at = None
    row.last_test_message = ""
    practice = company.practice
    row.password_secret = vault_encrypt(
        password.encode(), purpose=row.purpose("password"), practice=practice
    )
    row.signature_key_secret = vault_encrypt(
        signature_key.encode(), purpose=row.purpose("signature_key"), practice=practice
    )
    row.exchange_key_secret = vault_encrypt(
        exchange_key.encode(), purpose=row.purpose("exchange_key"), practice=practice
    )
    row.save()
    for secret in old:
        vault_destroy(secret)
    return row


def nav_credentials(row: NavSettings) -> Credentials:
    assert row.password_secret and row.signature_key_secret and row.exchange_key_secret
    parts = tax_number_parts(row.company.tax_number)
    return Credentials(
        tax_number=parts[0] if parts else "",
        login=row.login,
        password=vault_decrypt(row.password_secret, purpose=row.purpose("password")).decode(),
        signature_key=vault_decrypt(
            row.signature_key_secret, purpose=row.purpose("signature_key")
        ).decode(),
        exchange_key=vault_decrypt(
            row.exchange_key_secret, purpose=row.purpose("exchange_key")
        ).decode(),
    )


def nav_connection(row: NavSettings) -> NavConnection:
    return NavConnection(
        endpoint=settings.NAV_ENDPOINT,
        ca_pem=Path(settings.NAV_CA_BUNDLE).read_bytes(),
        credentials=nav_credentials(row),
        timeout=settings.NAV_TIMEOUT_SECONDS,
    )


@dataclass(frozen=True)
class TestResult:
    ok: bool
    message: str


def nav_connection_test(*, company: Company) -> TestResult:
    """Token exchange + queryTaxpayer of the company's own tax number, recorded on the row."""
    row = NavSettings.objects.select_related("company").filter(company=company).first()
    if row is None:
        return TestResult(False, _("Nincs megadva NAV technikai felhasználó."))
    parts = tax_number_parts(company.tax_number)
    if parts is None:
        result = TestResult(False, _("A cég adószáma hiányzik vagy hibás."))
    else:
        try:
            conn = nav_connection(row)
            conn.token_exchange()
            taxpayer = conn.query_taxpayer(parts[0])
        except OSError:
            result = TestResult(False, _("A NAV tanúsítványlánca (NAV_CA_BUNDLE) nem olvasható."))
        except NavError as error:
            result = TestResult(
                False,
                _("A NAV elutasította: %(message)s (%(code)s). %(advice)s")
                % {"message": error.message, "code": error.code, "advice": error.advice},
            )
        else:
            if taxpayer.valid:
                result = TestResult(
                    True,
                    _("Sikeres kapcsolat: a NAV szerint %(name)s érvényes adózó.")
                    % {"name": taxpayer.name},
                )
            else:
                result = TestResult(False, _("A NAV szerint az adószám nem érvényes."))
    NavSettings.objects.filter(pk=row.pk).update(
        last_test_at=timezone.now(), last_test_ok=result.ok, last_test_message=result.message
    )
    return result
