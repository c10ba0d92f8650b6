"""Secrets never in plaintext: after an upload, a test, a login and a staff member's TOTP
enrolment, scan every row of every table, a dump of the database (SQLite's own dump, or
PostgreSQL's COPY of every table — what pg_dump writes) and the captured logs for the SMS
code, the key, the assertion and the TOTP seed."""

import base64
import datetime as dt
import logging

from cryptography.hazmat.primitives import serialization
from django.apps import apps
from django.db import connection
from django.utils import timezone

from zomanc.accounts.models import SealedTOTPDevice
from zomanc.accounts.services import totp_device_confirm, totp_device_start
from zomanc.accounts.tests.helpers import totp_code
from zomanc.eeszt.sessions import eeszt_session_store
from zomanc.eeszt.setup.services import eeszt_certificate_upload, eeszt_connection_test
from zomanc.eeszt.tests.conftest import SMS_CODE

ASSERTION = b"<saml2:Assertion ID='_titkos-assertion-42'>alairt-tartalom</saml2:Assertion>"


def database_dump() -> bytes:
    """The database as a dump would hold it: SQLite's iterdump (the .dump command), or on
    PostgreSQL every table through COPY ... TO STDOUT, which is what pg_dump writes."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return "\n".join(connection.connection.iterdump()).encode()
    dump = b""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            name = connection.ops.quote_name(table)
            with cursor.cursor.copy(f"COPY {name} TO STDOUT") as copy:
                for block in copy:
                    dump += bytes(block)
    return dump


def totp_seed_needles(device: SealedTOTPDevice) -> list[bytes]:
    """Every way the seed could be written down: raw, hex (django-otp's own column format),
    base32 (what the authenticator app is given) in upper and lower case."""
    seed = device.bin_key
    b32 = base64.b32encode(seed).rstrip(b"=")
    return [seed, seed.hex().encode(), seed.hex().upper().encode(), b32, b32.lower()]


def test_no_secret_in_any_row_or_log(personas, test_pki, ca_bundle, settings, caplog):
    caplog.set_level(logging.DEBUG)
    settings.EESZT_ENDPOINT = "https://127.0.0.1:9"
    leaf = test_pki.issue()
    data = test_pki.p12(leaf)
    eeszt_certificate_upload(
        company=personas.company_a, actor=personas.owner, data=data, password=SMS_CODE
    )
    eeszt_connection_test(company=personas.company_a, member=personas.owner)
    eeszt_session_store(
        member=personas.doctor,
        company=personas.company_a,
        assertion=ASSERTION,
        assertion_id="_titkos-assertion-42",
        eeszt_user_id="O58012",
        not_on_or_after=timezone.now() + dt.timedelta(hours=1),
        login_method="card",
    )
    device = totp_device_start(user=personas.owner.user)
    assert totp_device_confirm(user=personas.owner.user, device=device, token=totp_code(device))
    key_der = leaf.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    needles = [SMS_CODE.encode(), b"alairt-tartalom", key_der[40:80], data[100:160]]
    needles += totp_seed_needles(SealedTOTPDevice.objects.get(pk=device.pk))
    dump = b""
    with connection.cursor() as cursor:
        for model in apps.get_models():
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - table names from the models
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview | bytes):
                        dump += bytes(value)
                    elif value is not None:
                        dump += str(value).encode()
    assert dump  # the scan saw the rows
    full_dump = database_dump()
    assert device.key.encode() in full_dump  # the dump saw the device's row
    for needle in needles:
        assert needle not in dump
        assert needle not in full_dump
    logs = caplog.text.encode()
    for needle in needles[:2]:
        assert needle not in logs
