import datetime as dt

import pytest
from cryptography.x509.oid import ExtendedKeyUsageOID

from zomanc.audit.models import AuditEntry
from zomanc.eeszt.context import eeszt_certificate_material
from zomanc.eeszt.models import CertificateStatus, EesztCertificate, SealedSecret
from zomanc.eeszt.setup.certificates import CertificateRejected, check_pkcs12, looks_like_pkcs12
from zomanc.eeszt.setup.selectors import eeszt_certificate_warnings
from zomanc.eeszt.setup.services import certificate_activate_after_test, eeszt_certificate_upload
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


# --- the issuer is pinned; the work a file may ask is capped ----------------------------------


def _eid_ca(test_pki):
    """Another CA under the same root, like the sandbox's eID-card CA."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    from zomanc.eeszt.tests.conftest import Pair, ca_name, make_cert

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = make_cert(subject=ca_name("Teszt eID CA"), key=key, issuer=test_pki.root, ca=True)
    return Pair(cert=cert, key=key)


def test_a_certificate_from_the_eid_card_ca_is_refused(test_pki, ca_bundle):
    """The probe: a certificate of the eID-card CA (same root, valid chain) was accepted."""
    eid_ca = _eid_ca(test_pki)
    leaf = test_pki.issue(issuer=eid_ca)
    data = test_pki.p12(leaf, chain=[eid_ca, test_pki.root])
    with pytest.raises(CertificateRejected) as info:
        check_pkcs12(data, SMS_CODE, institution_id="506097")
    assert info.value.code == "UNTRUSTED_ISSUER"
    assert "WAF-SSL tanúsítvány használható" in info.value.message


def test_a_certificate_signed_directly_by_the_root_is_refused(test_pki, ca_bundle):
    leaf = test_pki.issue(issuer=test_pki.root)
    data = test_pki.p12(leaf, chain=[test_pki.root])
    assert (
        _code(lambda: check_pkcs12(data, SMS_CODE, institution_id="506097")) == "UNTRUSTED_ISSUER"
    )


def test_the_pinned_issuer_name_is_a_setting(test_pki, ca_bundle, settings):
    """The pin is what lets the good file in: another name refuses even the WAF CA's file."""
    settings.EESZT_WAF_ISSUER_CN = "Más WAF CA"
    data = test_pki.p12(test_pki.issue())
    assert (
        _code(lambda: check_pkcs12(data, SMS_CODE, institution_id="506097")) == "UNTRUSTED_ISSUER"
    )


def _p12_with_rounds(test_pki, rounds: int) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import PrivateFormat, pkcs12

    leaf = test_pki.issue()
    encryption = (
        PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(rounds)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(SMS_CODE.encode())
    )
    return pkcs12.serialize_key_and_certificates(
        b"teszt", leaf.key, leaf.cert, [test_pki.waf.cert, test_pki.root.cert], encryption
    )


def test_the_portal_files_work_factor_is_read_without_decrypting(test_pki, ca_bundle):
    from zomanc.eeszt.setup.certificates import MAX_PKCS12_ITERATIONS, pkcs12_work_factor

    work = pkcs12_work_factor(test_pki.p12(test_pki.issue()))
    assert work is not None
    assert work.mac_iterations == 2048 and work.kdf_iterations == [20000, 20000]
    assert work.largest * 10 <= MAX_PKCS12_ITERATIONS  # "far above": ten times the portal's
    assert pkcs12_work_factor(b"\x30\x03\x02\x01\x03") is None


def test_a_high_iteration_file_is_refused_quickly_before_decrypting(test_pki, ca_bundle):
    """The probe's 60-million-round file held an upload for 18 s. Two million rounds take
    this machine about a second to decrypt twice; the refusal reads the counts only."""
    import time

    data = _p12_with_rounds(test_pki, 2_000_000)
    started = time.perf_counter()
    with pytest.raises(CertificateRejected) as info:
        check_pkcs12(data, SMS_CODE, institution_id="506097")
    elapsed = time.perf_counter() - started
    assert info.value.code == "TOO_MANY_ITERATIONS"
    assert "2 000 000" in info.value.message
    assert elapsed < 0.3, elapsed


def test_a_file_within_the_limit_is_accepted(test_pki, ca_bundle):
    data = _p12_with_rounds(test_pki, 100_000)
    assert check_pkcs12(data, SMS_CODE, institution_id="506097").institution_id == "506097"


def test_the_upload_form_shows_the_issuer_refusal(personas, test_pki, ca_bundle):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    eid_ca = _eid_ca(test_pki)
    data = test_pki.p12(test_pki.issue(issuer=eid_ca), chain=[eid_ca, test_pki.root])
    client = personas.client_for(personas.owner)
    url = reverse("eeszt:certificate_upload", args=[personas.company_a.pk])
    response = client.post(url, {"file": SimpleUploadedFile("a.p12", data), "sms_code": SMS_CODE})
    assert "Csak az ágazati portálról letöltött WAF-SSL tanúsítvány" in response.content.decode()
    assert not EesztCertificate.objects.exists()
