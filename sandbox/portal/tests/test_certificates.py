""" "EESZT SSL tanúsítvány letöltése": only in the CSAK intézmény context with the right;
the PKCS#12's password only in the SMS outbox; revocation."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.test import Client
from django.urls import reverse

from sandbox.pki.models import IssuedCertificate, SmsMessage
from sandbox.pki.services import waf_certificate_issue
from sandbox.portal.tests.conftest import DEMO_INST_ONLY, DEMO_UNIT, PortalLogin, query_count
from sandbox.registry import seed
from sandbox.registry.models import Institution

pytestmark = pytest.mark.django_db


def _password_of(sms: SmsMessage) -> str:
    return sms.text.rsplit(" ", 1)[1]


def test_menu_item_only_in_the_institution_only_context(portal_login: PortalLogin) -> None:
    client = portal_login(seed.DEMO_DENTIST, DEMO_UNIT)
    page = client.get(reverse("portal:home")).content.decode()
    assert "EESZT SSL tanúsítvány letöltése</a>" not in page
    assert "csak akkor jelenik meg, ha az intézményválasztásnál a CSAK intézményt" in page
    assert client.get(reverse("portal:certificates")).status_code == 403
    client.post(reverse("portal:choose_context"), {"context": DEMO_INST_ONLY})
    page = client.get(reverse("portal:home")).content.decode()
    assert f'<a href="{reverse("portal:certificates")}">EESZT SSL tanúsítvány letöltése</a>' in page
    assert client.get(reverse("portal:certificates")).status_code == 200


def test_requires_a_context(portal_login: PortalLogin) -> None:
    client = portal_login(seed.DEMO_DENTIST)
    response = client.get(reverse("portal:certificates"))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:choose_context")


def test_users_without_the_right_do_not_get_it_in_the_institution_only_context(
    portal_login: PortalLogin,
) -> None:
    client = portal_login(seed.ASSISTANT, DEMO_INST_ONLY)
    page = client.get(reverse("portal:home")).content.decode()
    assert "EESZT SSL tanúsítvány letöltése</a>" not in page
    assert "csak annak jelenik meg, akinek ehhez joga van" in page
    response = client.get(reverse("portal:certificates"))
    assert response.status_code == 403
    assert "INTJOGADIN" in response.content.decode()
    assert client.post(reverse("portal:certificate_download")).status_code == 403
    assert not IssuedCertificate.objects.filter(kind="WAF").exists()


def test_rights_admin_may_download(portal_login: PortalLogin) -> None:
    client = portal_login(seed.RIGHTS_ADMIN, DEMO_INST_ONLY)
    assert client.post(reverse("portal:certificate_download")).status_code == 200


def test_download_gives_a_pkcs12_whose_password_is_only_in_the_sms_outbox(
    portal_login: PortalLogin,
) -> None:
    client = portal_login(seed.DEMO_DENTIST, DEMO_INST_ONLY)
    response = client.post(reverse("portal:certificate_download"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-pkcs12"
    assert response["Content-Disposition"].startswith('attachment; filename="EESZT-SSL-506097-')
    blob = response.content
    sms = SmsMessage.objects.get()
    password = _password_of(sms)
    assert sms.phone == "+36301234567"
    assert sms.institution is not None and sms.institution.institution_id == "506097"
    # Not in the download, not in any header, not on the certificate page after it.
    assert password.encode() not in blob
    assert all(password not in str(v) for v in response.headers.values())
    page = client.get(reverse("portal:certificates")).content.decode()
    assert password not in page
    # Only in the SMS outbox.
    outbox = client.get(reverse("portal:sms")).content.decode()
    assert password in outbox
    assert "+36301234567" not in outbox and "+36 30 ***-**67" in outbox
    # The file opens with the SMS code and is the institution's client certificate.
    key, cert, cas = pkcs12.load_key_and_certificates(blob, password.encode())
    assert key is not None and cert is not None
    serial = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value
    assert serial == "506097"
    assert len(cas) == 2
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(blob, b"rossz-kod")


def test_each_download_is_a_new_key_and_earlier_ones_stay_valid(
    portal_login: PortalLogin,
) -> None:
    client = portal_login(seed.DEMO_DENTIST, DEMO_INST_ONLY)
    first = client.post(reverse("portal:certificate_download")).content
    second = client.post(reverse("portal:certificate_download")).content
    p1, p2 = (_password_of(s) for s in SmsMessage.objects.order_by("pk"))
    k1 = pkcs12.load_key_and_certificates(first, p1.encode())[0]
    k2 = pkcs12.load_key_and_certificates(second, p2.encode())[0]
    assert k1 is not None and k2 is not None
    pub = serialization.PublicFormat.SubjectPublicKeyInfo
    enc = serialization.Encoding.DER
    assert k1.public_key().public_bytes(enc, pub) != k2.public_key().public_bytes(enc, pub)
    certs = IssuedCertificate.objects.filter(kind="WAF")
    assert certs.count() == 2 and not certs.filter(revoked_at__isnull=False).exists()
    page = client.get(reverse("portal:certificates"))
    assert len(page.context["certificates"]) == 2
    for c in certs:
        assert c.serial_hex in page.content.decode()


def test_download_needs_post(portal_login: PortalLogin) -> None:
    client = portal_login(seed.DEMO_DENTIST, DEMO_INST_ONLY)
    assert client.get(reverse("portal:certificate_download")).status_code == 405


def test_revoke_marks_the_certificate_revoked(portal_login: PortalLogin) -> None:
    client = portal_login(seed.DEMO_DENTIST, DEMO_INST_ONLY)
    client.post(reverse("portal:certificate_download"))
    cert = IssuedCertificate.objects.get(kind="WAF")
    response = client.post(reverse("portal:certificate_revoke", args=[cert.pk]))
    assert response.status_code == 302
    cert.refresh_from_db()
    assert cert.revoked_at is not None
    assert "Visszavonva" in client.get(reverse("portal:certificates")).content.decode()


def test_hides_other_institutions_certificates(portal_login: PortalLogin) -> None:
    other = waf_certificate_issue(
        institution=Institution.objects.get(institution_id=seed.OTHER_INSTITUTION)
    )
    client = portal_login(seed.DEMO_DENTIST, DEMO_INST_ONLY)
    page = client.get(reverse("portal:certificates")).content.decode()
    assert other.certificate.serial_hex not in page
    response = client.post(reverse("portal:certificate_revoke", args=[other.certificate.pk]))
    assert response.status_code == 404
    other.certificate.refresh_from_db()
    assert other.certificate.revoked_at is None


def test_sms_outbox_hides_other_institutions_messages(
    portal_login: PortalLogin, client: Client
) -> None:
    other = waf_certificate_issue(
        institution=Institution.objects.get(institution_id=seed.OTHER_INSTITUTION)
    )
    mine = waf_certificate_issue(
        institution=Institution.objects.get(institution_id=seed.DEMO_INSTITUTION)
    )
    portal_login(seed.DEMO_DENTIST, DEMO_UNIT)
    page = client.get(reverse("portal:sms")).content.decode()
    assert mine.password in page
    assert other.password not in page


def test_certificate_list_query_count_does_not_grow_with_rows(portal_login: PortalLogin) -> None:
    inst = Institution.objects.get(institution_id=seed.DEMO_INSTITUTION)
    client = portal_login(seed.DEMO_DENTIST, DEMO_INST_ONLY)
    waf_certificate_issue(institution=inst)
    url = reverse("portal:certificates")
    query_count(client, url)
    few = query_count(client, url)
    for _ in range(4):
        waf_certificate_issue(institution=inst)
    assert query_count(client, url) == few
    sms_few = query_count(client, reverse("portal:sms"))
    waf_certificate_issue(institution=inst)
    assert query_count(client, reverse("portal:sms")) == sms_few
