import base64
import os

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from zomanc.eeszt.models import SealedSecret
from zomanc.eeszt.vault import (
    DEV_MASTER_KID,
    VaultError,
    master_keyring,
    vault_decrypt,
    vault_encrypt,
    vault_rewrap_all,
)

pytestmark = pytest.mark.django_db


def _key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_round_trip_with_fresh_data_key_per_secret(settings):
    settings.ZOMANC_MASTER_KEYS = f"k1:{_key()}"
    a = vault_encrypt(b"titok", purpose="teszt/a")
    b = vault_encrypt(b"titok", purpose="teszt/a")
    assert vault_decrypt(SealedSecret.objects.get(pk=a.pk), purpose="teszt/a") == b"titok"
    assert a.kid == "k1"
    # Same plaintext, different rows: different data keys and ciphertexts.
    assert bytes(a.wrapped_key) != bytes(b.wrapped_key)
    assert bytes(a.ciphertext) != bytes(b.ciphertext)
    assert b"titok" not in bytes(a.ciphertext)


def test_one_flipped_byte_fails(settings):
    settings.ZOMANC_MASTER_KEYS = f"k1:{_key()}"
    secret = vault_encrypt(b"PKCS12-bytes", purpose="teszt/a")
    for column in ("ciphertext", "wrapped_key"):
        row = SealedSecret.objects.get(pk=secret.pk)
        blob = bytearray(bytes(getattr(row, column)))
        blob[-1] ^= 0x01
        setattr(row, column, bytes(blob))
        with pytest.raises(VaultError):
            vault_decrypt(row, purpose="teszt/a")


def test_wrong_purpose_fails(settings):
    settings.ZOMANC_MASTER_KEYS = f"k1:{_key()}"
    secret = vault_encrypt(b"x", purpose="eeszt.certificate.pkcs12/company:1")
    with pytest.raises(VaultError):
        vault_decrypt(secret, purpose="eeszt.certificate.pkcs12/company:2")


def test_ciphertext_swapped_into_another_row_fails(settings):
    settings.ZOMANC_MASTER_KEYS = f"k1:{_key()}"
    a = vault_encrypt(b"aaa", purpose="p")
    b = vault_encrypt(b"bbb", purpose="p")
    # Even with the same purpose, the row's own uuid is bound in: a swap does not open.
    b.ciphertext, b.wrapped_key = a.ciphertext, a.wrapped_key
    with pytest.raises(VaultError):
        vault_decrypt(b, purpose="p")


def test_rotation_rewraps_and_old_key_can_be_removed(settings):
    old, new = _key(), _key()
    settings.ZOMANC_MASTER_KEYS = f"old:{old}"
    secrets = [vault_encrypt(f"s{i}".encode(), purpose=f"p{i}") for i in range(3)]
    ciphertexts = {s.pk: bytes(s.ciphertext) for s in secrets}
    settings.ZOMANC_MASTER_KEYS = f"new:{new},old:{old}"
    report = vault_rewrap_all()
    assert (report.total, report.rewrapped, report.already_current) == (3, 3, 0)
    again = vault_rewrap_all()  # idempotent
    assert (again.rewrapped, again.already_current) == (0, 3)
    settings.ZOMANC_MASTER_KEYS = f"new:{new}"  # the old key is gone
    for i, s in enumerate(secrets):
        row = SealedSecret.objects.get(pk=s.pk)
        assert row.kid == "new"
        assert bytes(row.ciphertext) == ciphertexts[s.pk]  # only the small key was re-wrapped
        assert vault_decrypt(row, purpose=f"p{i}") == f"s{i}".encode()


def test_rotation_without_the_old_key_changes_nothing(settings):
    settings.ZOMANC_MASTER_KEYS = f"old:{_key()}"
    vault_encrypt(b"a", purpose="p")
    settings.ZOMANC_MASTER_KEYS = f"new:{_key()}"
    with pytest.raises(VaultError, match="old"):
        vault_rewrap_all()
    assert SealedSecret.objects.get().kid == "old"


def test_rotate_command_reports_counts_and_no_key_material(settings, capsys):
    old, new = _key(), _key()
    settings.ZOMANC_MASTER_KEYS = f"old:{old}"
    vault_encrypt(b"a", purpose="p")
    settings.ZOMANC_MASTER_KEYS = f"new:{new},old:{old}"
    call_command("eeszt_rotate_master_key")
    out = capsys.readouterr().out
    assert "újracsomagolva: 1" in out
    assert new not in out and old not in out


def test_dev_key_only_outside_production(settings):
    settings.ZOMANC_MASTER_KEYS = ""
    settings.PRODUCTION = False
    assert master_keyring()[0].kid == DEV_MASTER_KID
    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured):
        master_keyring()


@pytest.mark.parametrize(
    "value", ["nokid", ":abc", "k1:not-base64!", f"k1:{base64.b64encode(b'short').decode()}"]
)
def test_malformed_keys_refused_without_echoing_them(settings, value):
    settings.ZOMANC_MASTER_KEYS = value
    with pytest.raises(ImproperlyConfigured) as info:
        master_keyring()
    secret_part = value.partition(":")[2]
    if secret_part:
        assert secret_part not in str(info.value)


def test_key_repr_hides_material(settings):
    key = _key()
    settings.ZOMANC_MASTER_KEYS = f"k1:{key}"
    assert key not in repr(master_keyring()) and "key=" not in repr(master_keyring())
