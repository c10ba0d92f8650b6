"""A practice whose EESZT module is on, with the sandbox's certificate, and the demo
dentist logged in with his eID card — all through the real sandbox process."""

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pkcs11
import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from zomanc.conftest import Personas
from zomanc.eeszt.client import idp
from zomanc.eeszt.client.wire import Connection, sessions_clear
from zomanc.eeszt.models import EesztSession, EesztSettings
from zomanc.eeszt.sessions import eeszt_session_store
from zomanc.eeszt.setup.services import eeszt_certificate_upload
from zomanc.patients.models import IdType, Patient, Sex
from zomanc.practices.models import StaffMember
from zomanc.testing.sandbox import SandboxProcess


@dataclass
class Eeszt:
    personas: Personas
    sandbox: SandboxProcess
    conn: Connection
    patient: Patient

    def card_login(self, member: StaffMember) -> EesztSession:
        """The demo dentist's eID card signs the IDP challenge (as the card service would)."""
        challenge = idp.challenge_request(self.conn, user_id=f"O{member.stamp_number}")
        conf, label, pin = self.sandbox.card(f"O{member.stamp_number}")
        import os

        os.environ["SOFTHSM2_CONF"] = str(conf)
        token = pkcs11.lib("/usr/lib/softhsm/libsofthsm2.so").get_token(token_label=label)
        with token.open(user_pin=pin) as session:
            key = session.get_key(object_class=pkcs11.ObjectClass.PRIVATE_KEY)
            signature = key.sign(  # type: ignore[attr-defined]
                challenge.nonce, mechanism=pkcs11.Mechanism.SHA256_RSA_PKCS
            )
            cert = next(
                session.get_objects({pkcs11.Attribute.CLASS: pkcs11.ObjectClass.CERTIFICATE})
            )
            der = cert[pkcs11.Attribute.VALUE]
        assertion = idp.card_login(
            self.conn,
            user_id=f"O{member.stamp_number}",
            nonce=challenge.nonce,
            signature=signature,
            certificate_der=der,
        )
        return eeszt_session_store(
            member=member,
            company=self.personas.company_a,
            assertion=assertion.xml,
            assertion_id=assertion.assertion_id,
            eeszt_user_id=assertion.user_id,
            not_on_or_after=assertion.not_on_or_after,
            login_method="card",
        )


@pytest.fixture
def eeszt(
    personas: Personas, sandbox_server: SandboxProcess, settings: SettingsWrapper, bno_codes: None
) -> Eeszt:
    settings.EESZT_ENDPOINT = sandbox_server.soap_url
    ca_bundle = Path(sandbox_server.data_dir) / "pki" / "ca-bundle.pem"
    settings.EESZT_CA_BUNDLE = str(ca_bundle)
    sessions_clear()
    p12, password = sandbox_server.certificate("506097")
    eeszt_certificate_upload(
        company=personas.company_a, actor=personas.owner, data=p12, password=password
    )
    EesztSettings.objects.create(
        practice=personas.practice_a,
        company=personas.company_a,
        module_enabled=True,
        enabled_at=timezone.now(),
    )
    patient = Patient.objects.create(
        practice=personas.practice_a,
        family_name="Teszt",
        given_name="Elek",
        sex=Sex.MALE,
        birth_date=dt.date(1970, 1, 1),
        id_type=IdType.TAJ,
        id_value="111111110",
    )
    conn = Connection(
        endpoint=sandbox_server.soap_url,
        pkcs12_data=p12,
        pkcs12_password=password,
        ca_pem=ca_bundle.read_bytes(),
    )
    return Eeszt(personas=personas, sandbox=sandbox_server, conn=conn, patient=patient)
