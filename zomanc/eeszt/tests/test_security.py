"""Secrets never in plaintext: after an upload, a test and a login, scan every row of every
table and the captured logs for the SMS code, the key and the assertion."""

import datetime as dt
import logging

from cryptography.hazmat.primitives import serialization
from django.apps import apps
from django.db import connection
from django.utils import timezone

from zomanc.eeszt.services import (
    eeszt_certificate_upload,
    eeszt_connection_test,
    eeszt_session_store,
)
from zomanc.eeszt.tests.conftest import SMS_CODE

ASSERTION = b"<saml2:Assertion ID='_titkos-assertion-42'>alairt-tartalom</saml2:Assertion>"


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
    key_der = leaf.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    needles = [SMS_CODE.encode(), b"alairt-tartalom", key_der[40:80], data[100:160]]
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
    for needle in needles:
        assert needle not in dump
    logs = caplog.text.encode()
    for needle in needles[:2]:
        assert needle not in logs
