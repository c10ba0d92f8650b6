import datetime as dt

import pytest
from cryptography.x509.oid import ExtendedKeyUsageOID

from zomanc.audit.models import AuditEntry
from zomanc.eeszt.certificates import CertificateRejected, check_pkcs12, looks_like_pkcs12
from zomanc.eeszt.models import CertificateStatus, EesztCertificate, SealedSecret
from zomanc.eeszt.selectors import eeszt_certificate_warnings
from zomanc.eeszt.services import (
    certificate_activate_after_test,
    eeszt_certificate_material,
    eeszt_certificate_upload,
)
from zomanc.eeszt.tests.conftest import SMS_CODE, legacy_rc2_p12


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _code(fn) -> str:
    with pytest.raises(CertificateRejected) as info:
        fn()
    assert info.value.message  # a Hungarian sentence for the user
    return info.value.code


def test_good_certificate(test_pki, ca_bundle):
    leaf = test_pki.issue("506097")
    checked = check_pkcs12(test_pki.p12(leaf), SMS_CODE, institution_id="506097")
    assert checked.institution_id == "506097"
    assert "506097 WAF-SSL" in checked.subject
    assert checked.serial_hex == format(leaf.cert.serial_number, "x")


def test_legacy_rc2_file_is_read(test_pki, ca_bundle, tmp_path):
    leaf = test_pki.issue("506097")
    data = legacy_rc2_p12(test_pki, leaf, SMS_CODE, tmp_path)
    assert check_pkcs12(data, SMS_CODE, institution_id="506097").institution_id == "506097"
    assert _code(lambda: check_pkcs12(data, "rossz", institution_id="506097")) == "WRONG_PASSWORD"


def test_wrong_sms_code(test_pki, ca_bundle):
    data = test_pki.p12(test_pki.issue())
    assert looks_like_pkcs12(data)
    assert (
        _code(lambda: check_pkcs12(data, "rossz-kod", institution_id="506097")) == "WRONG_PASSWORD"
    )


@pytest.mark.parametrize("data", [b"%PDF-1.7 valami", b"\x30\x03\x02\x01\x01" * 10, b"x" * 100])
def test_not_a_pkcs12(ca_bundle, data):
    assert _code(lambda: check_pkcs12(data, SMS_CODE, institution_id="506097")) == "NOT_PKCS12"


def test_pem_file_is_named(test_pki, ca_bundle):
    code = _code(lambda: check_pkcs12(test_pki.root.pem, SMS_CODE, institution_id="506097"))
    assert code == "NOT_PKCS12"


def test_no_private_key(test_pki, ca_bundle):
    data = test_pki.p12(test_pki.issue(), key=False)
    assert _code(lambda: check_pkcs12(data, SMS_CODE, institution_id="506097")) == "NO_PRIVATE_KEY"


def test_expired(test_pki, ca_bundle):
    leaf = test_pki.issue(
        not_before=_now() - dt.timedelta(days=400), not_after=_now() - dt.timedelta(days=1)
    )
    assert (
        _code(lambda: check_pkcs12(test_pki.p12(leaf), SMS_CODE, institution_id="506097"))
        == "EXPIRED"
    )


def test_not_yet_valid(test_pki, ca_bundle):
    leaf = test_pki.issue(not_before=_now() + dt.timedelta(days=2))
    code = _code(lambda: check_pkcs12(test_pki.p12(leaf), SMS_CODE, institution_id="506097"))
    assert code == "NOT_YET_VALID"


def test_foreign_ca_with_the_same_names_is_refused(test_pki, ca_bundle):
    """Same issuer names as the real CAs, different keys: only the signature check catches it."""
    leaf = test_pki.issue(issuer=test_pki.foreign_waf)
    for chain in ([test_pki.foreign_waf, test_pki.foreign_root], [test_pki.waf, test_pki.root]):
        data = test_pki.p12(leaf, chain=chain)
        code = _code(lambda data=data: check_pkcs12(data, SMS_CODE, institution_id="506097"))
        assert code == "UNTRUSTED_ISSUER"


def test_chain_missing_the_intermediate_is_refused(test_pki, ca_bundle):
    data = test_pki.p12(test_pki.issue(), chain=[])
    assert (
        _code(lambda: check_pkcs12(data, SMS_CODE, institution_id="506097")) == "UNTRUSTED_ISSUER"
    )


def test_other_institution(test_pki, ca_bundle):
    data = test_pki.p12(test_pki.issue("01060J"))
    with pytest.raises(CertificateRejected) as info:
        check_pkcs12(data, SMS_CODE, institution_id="506097")
    assert info.value.code == "OTHER_INSTITUTION"
    assert "01060J" in info.value.message and "506097" in info.value.message


def test_no_institution_id_in_subject(test_pki, ca_bundle):
    data = test_pki.p12(test_pki.issue(with_serial=False))
    assert (
        _code(lambda: check_pkcs12(data, SMS_CODE, institution_id="506097")) == "NO_INSTITUTION_ID"
    )


@pytest.mark.parametrize("eku", [[], [ExtendedKeyUsageOID.SERVER_AUTH]])
def test_missing_client_auth(test_pki, ca_bundle, eku):
    data = test_pki.p12(test_pki.issue(eku=eku))
    assert _code(lambda: check_pkcs12(data, SMS_CODE, institution_id="506097")) == "NO_CLIENT_AUTH"


def test_missing_ca_bundle_is_a_clear_error(test_pki, settings, tmp_path):
    settings.EESZT_CA_BUNDLE = str(tmp_path / "nincs.pem")
    data = test_pki.p12(test_pki.issue())
    assert (
        _code(lambda: check_pkcs12(data, SMS_CODE, institution_id="506097")) == "CA_BUNDLE_MISSING"
    )


# --- the upload service -------------------------------------------------------------------


def test_upload_stores_sealed_first_becomes_active(personas, test_pki, ca_bundle):
    data = test_pki.p12(test_pki.issue())
    cert = eeszt_certificate_upload(
        company=personas.company_a, actor=personas.owner, data=data, password=SMS_CODE
    )
    assert cert.status == CertificateStatus.ACTIVE
    assert eeszt_certificate_material(cert) == (data, SMS_CODE)
    for secret in SealedSecret.objects.all():
        assert data not in bytes(secret.ciphertext)
        assert SMS_CODE.encode() not in bytes(secret.ciphertext)
    assert AuditEntry.objects.filter(object_type="eeszt.eesztcertificate").count() == 1


def test_refused_upload_stores_nothing(personas, test_pki, ca_bundle):
    data = test_pki.p12(test_pki.issue("01060J"))
    with pytest.raises(CertificateRejected):
        eeszt_certificate_upload(
            company=personas.company_a, actor=personas.owner, data=data, password=SMS_CODE
        )
    assert not EesztCertificate.objects.exists()
    assert not SealedSecret.objects.exists()


def test_replacement_waits_for_a_passed_test(personas, test_pki, ca_bundle):
    company = personas.company_a
    first = eeszt_certificate_upload(
        company=company,
        actor=personas.owner,
        data=test_pki.p12(test_pki.issue()),
        password=SMS_CODE,
    )
    second = eeszt_certificate_upload(
        company=company,
        actor=personas.owner,
        data=test_pki.p12(test_pki.issue()),
        password=SMS_CODE,
    )
    assert second.status == CertificateStatus.PENDING
    certificate_activate_after_test(company=company, pending=second, test_ok=False)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (CertificateStatus.ACTIVE, CertificateStatus.PENDING)

    certificate_activate_after_test(company=company, pending=second, test_ok=True)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (CertificateStatus.RETIRED, CertificateStatus.ACTIVE)
    # The retired certificate's key and code are destroyed.
    assert first.pkcs12_secret_id is None and first.password_secret_id is None
    assert SealedSecret.objects.count() == 2


def test_a_second_pending_replaces_the_first_pending(personas, test_pki, ca_bundle):
    company = personas.company_a
    upload = lambda: eeszt_certificate_upload(  # noqa: E731
        company=company,
        actor=personas.owner,
        data=test_pki.p12(test_pki.issue()),
        password=SMS_CODE,
    )
    upload()
    p1 = upload()
    p2 = upload()
    p1.refresh_from_db()
    assert p1.status == CertificateStatus.RETIRED
    assert p2.status == CertificateStatus.PENDING


def test_expiry_warning_30_days_ahead(personas, test_pki, ca_bundle):
    leaf = test_pki.issue(not_after=_now() + dt.timedelta(days=20))
    eeszt_certificate_upload(
        company=personas.company_a, actor=personas.owner, data=test_pki.p12(leaf), password=SMS_CODE
    )
    warnings = eeszt_certificate_warnings(practice=personas.practice_a)
    assert len(warnings) == 1 and warnings[0].days_left in (19, 20)
    assert "nap múlva lejár" in warnings[0].message
    assert eeszt_certificate_warnings(practice=personas.practice_b) == []
    assert (
        eeszt_certificate_warnings(practice=personas.practice_a, at=_now() - dt.timedelta(days=30))
        == []
    )
