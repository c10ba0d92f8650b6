"""PKI: extensions current Python insists on, the WAF PKCS#12, SMS outbox."""

from __future__ import annotations

import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sandbox.pki.ca import pki_ensure
from sandbox.pki.models import SmsMessage
from sandbox.pki.selectors import CertificateRejected, client_identity
from sandbox.pki.services import certificate_revoke, waf_certificate_issue
from sandbox.registry.models import Institution
from sandbox.testing import der_of


def test_ca_hierarchy_has_proper_extensions(db: object) -> None:
    pki = pki_ensure()
    assert (
        pki.root.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        == "Sandbox EESZT Root CA"
    )
    for ca in (pki.root, pki.waf_ca, pki.eid_ca):
        assert ca.cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        assert ca.cert.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    server = pki.server.cert
    eku = server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.SERVER_AUTH in eku
    san = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    # Python's default (strict) client context accepts our chain for 127.0.0.1.
    ctx = ssl.create_default_context(cafile=str(pki.root.cert_path))
    assert ctx.verify_flags & ssl.VERIFY_X509_STRICT


def test_waf_pkcs12_is_password_protected_and_names_the_institution(seeded: None) -> None:
    inst = Institution.objects.get(institution_id="506097")
    first = waf_certificate_issue(institution=inst)
    second = waf_certificate_issue(institution=inst)
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(first.pkcs12, b"rossz")
    key, cert, _cas = pkcs12.load_key_and_certificates(first.pkcs12, first.password.encode())
    assert cert is not None and key is not None
    assert cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == "506097"
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH in eku
    _, cert2, _ = pkcs12.load_key_and_certificates(second.pkcs12, second.password.encode())
    assert cert2 is not None and cert2.public_key() != cert.public_key()  # fresh key each time
    # The password travels only through the SMS outbox, to the rights admin's phone.
    sms = SmsMessage.objects.get(pk=first.sms.pk)
    assert first.password in sms.text and sms.phone == inst.admin_phone
    # Earlier certificates stay valid until revoked.
    assert client_identity(der=der_of(first.certificate.pem)).institution == inst
    certificate_revoke(certificate=first.certificate)
    with pytest.raises(CertificateRejected):
        client_identity(der=der_of(first.certificate.pem))
    assert client_identity(der=der_of(second.certificate.pem)).institution == inst
