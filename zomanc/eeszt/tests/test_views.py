"""Beállítások / EESZT: personas (login, owner only, other practice 404), forms, messages."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from zomanc.eeszt.context import eeszt_role_for, eeszt_user_id_for
from zomanc.eeszt.models import (
    CertificateStatus,
    EesztCertificate,
    EesztMemberProfile,
    EesztSettings,
    SealedSecret,
)
from zomanc.eeszt.sessions import eeszt_session_store
from zomanc.eeszt.setup.services import eeszt_certificate_upload
from zomanc.eeszt.tests.conftest import SMS_CODE
from zomanc.practices.models import OrgUnit


@pytest.fixture(autouse=True)
def _no_refdata(settings):
    # Nothing listens here: the lookups end in the "could not check" warning, fast.
    settings.EESZT_REFDATA_URL = "http://127.0.0.1:9/refdata/getEntity"


def _company_urls(p):
    c = p.company_a.pk
    return [
        ("get", reverse("eeszt:company_settings", args=[c])),
        ("post", reverse("eeszt:institution_update", args=[c])),
        ("post", reverse("eeszt:org_unit_add", args=[c])),
        ("post", reverse("eeszt:refdata_check", args=[c])),
        ("post", reverse("eeszt:member_profile_update", args=[c, p.doctor.pk])),
        ("post", reverse("eeszt:certificate_upload", args=[c])),
        ("post", reverse("eeszt:connection_test", args=[c])),
        ("post", reverse("eeszt:module_toggle", args=[c])),
    ]


def test_requires_login(personas, client):
    for method, url in [("get", reverse("eeszt:settings")), *_company_urls(personas)]:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "login" in response["Location"], url


@pytest.mark.parametrize("role", ["doctor", "assistant", "receptionist"])
def test_requires_owner(personas, role):
    client = personas.client_for(getattr(personas, role))
    for method, url in [("get", reverse("eeszt:settings")), *_company_urls(personas)]:
        assert getattr(client, method)(url).status_code == 403, url
    assert not EesztSettings.objects.exists()


def test_hides_other_practice(personas):
    client = personas.client_for(personas.outsider)  # owner of practice B
    for method, url in _company_urls(personas):
        assert getattr(client, method)(url).status_code == 404, url
    # Nor may A's owner reach B's company, or B's staff through A's company.
    owner = personas.client_for(personas.owner)
    b = personas.company_b.pk
    assert owner.get(reverse("eeszt:company_settings", args=[b])).status_code == 404
    url = reverse("eeszt:member_profile_update", args=[personas.company_a.pk, personas.doctor_b.pk])
    assert owner.post(url, {}).status_code == 404


def test_index_redirects_to_the_only_company(personas):
    response = personas.client_for(personas.owner).get(reverse("eeszt:settings"))
    assert response.status_code == 302
    assert response["Location"] == reverse("eeszt:company_settings", args=[personas.company_a.pk])


def test_settings_page_content_and_query_count(personas, django_assert_max_num_queries):
    client = personas.client_for(personas.owner)
    url = reverse("eeszt:company_settings", args=[personas.company_a.pk])
    with django_assert_max_num_queries(25):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        "EESZT modul bekapcsolása",
        "Feltöltés",
        "001044299",
        "58012",
        "O58012",
        "Dr. Második Mária",
        "O61234",
        "Nincs feltöltött SSL tanúsítvány",
        "VMátrix",
        "data-cardservice",
    ):
        assert text in html, text
    # Query count does not grow with the number of doctors / org units.
    for i in range(5):
        OrgUnit.objects.create(
            practice=personas.practice_a,
            company=personas.company_a,
            code=f"00000000{i}",
            name=f"Egység {i}",
        )
    from zomanc.conftest import make_member
    from zomanc.practices.models import Role

    for i in range(5):
        make_member(
            personas.practice_a, f"o{i}@mosoly.test", f"Dr. Orvos {i}", Role.DOCTOR, f"7000{i}"
        )
    with django_assert_max_num_queries(25):
        assert client.get(url).status_code == 200


def test_institution_format_refused_next_to_field(personas):
    client = personas.client_for(personas.owner)
    url = reverse("eeszt:institution_update", args=[personas.company_a.pk])
    response = client.post(url, {"institution_name": "Mosoly", "institution_id": "12-34"})
    assert response.status_code == 400
    assert "6 karakter" in response.content.decode()
    personas.company_a.refresh_from_db()
    assert personas.company_a.institution_id == "506097"


def test_institution_saved_with_refdata_warning(personas):
    client = personas.client_for(personas.owner)
    url = reverse("eeszt:institution_update", args=[personas.company_a.pk])
    response = client.post(
        url, {"institution_name": "Mosoly Új", "institution_id": "506 098"}, follow=True
    )
    html = response.content.decode()
    personas.company_a.refresh_from_db()
    assert personas.company_a.institution_id == "506098"
    assert "nem érhető el" in html  # lookup could not be done: a warning, not a refusal


def test_org_unit_add(personas):
    client = personas.client_for(personas.owner)
    url = reverse("eeszt:org_unit_add", args=[personas.company_a.pk])
    assert client.post(url, {"code": "bad", "name": "X"}).status_code == 400
    response = client.post(url, {"code": "0010 44300", "name": "Szájsebészet"})
    assert response.status_code == 302
    assert OrgUnit.objects.filter(company=personas.company_a, code="001044300").exists()


def test_member_profile_username_rule(personas):
    client = personas.client_for(personas.owner)
    url = reverse("eeszt:member_profile_update", args=[personas.company_a.pk, personas.doctor.pk])
    prefix = f"m{personas.doctor.pk}"
    bad = client.post(
        url, {f"{prefix}-portal_username": "O99999", f"{prefix}-login_method": "card"}
    )
    assert bad.status_code == 400 and "O58012" in bad.content.decode()
    ok = client.post(url, {f"{prefix}-portal_username": "o58012", f"{prefix}-login_method": "card"})
    assert ok.status_code == 302
    assert personas.doctor.eeszt_profile.portal_username == "O58012"


def test_certificate_upload_view_errors_and_success(personas, test_pki, ca_bundle):
    client = personas.client_for(personas.owner)
    url = reverse("eeszt:certificate_upload", args=[personas.company_a.pk])
    data = test_pki.p12(test_pki.issue())
    wrong = client.post(url, {"file": SimpleUploadedFile("c.p12", data), "sms_code": "rossz"})
    assert wrong.status_code == 400
    assert "SMS kód nem nyitja" in wrong.content.decode()
    other = client.post(
        url,
        {
            "file": SimpleUploadedFile("c.p12", test_pki.p12(test_pki.issue("01060J"))),
            "sms_code": SMS_CODE,
        },
    )
    assert other.status_code == 400 and "01060J" in other.content.decode()
    assert not SealedSecret.objects.exists()
    good = client.post(
        url, {"file": SimpleUploadedFile("c.p12", data), "sms_code": SMS_CODE}, follow=True
    )
    html = good.content.decode()
    cert = EesztCertificate.objects.get()
    assert cert.status == CertificateStatus.ACTIVE
    assert cert.serial_hex in html and "506097 WAF-SSL" in html
    assert SMS_CODE not in html  # the code never goes back to the browser


def test_expiry_warning_on_settings_page(personas, test_pki, ca_bundle):
    leaf = test_pki.issue(not_after=dt.datetime.now(dt.UTC) + dt.timedelta(days=10))
    eeszt_certificate_upload(
        company=personas.company_a, actor=personas.owner, data=test_pki.p12(leaf), password=SMS_CODE
    )
    html = (
        personas.client_for(personas.owner)
        .get(reverse("eeszt:company_settings", args=[personas.company_a.pk]))
        .content.decode()
    )
    assert "nap múlva lejár" in html


def test_module_switch_names_missing_items_then_enables(personas, test_pki, ca_bundle):
    client = personas.client_for(personas.owner)
    url = reverse("eeszt:module_toggle", args=[personas.company_a.pk])
    html = client.post(url, {"action": "enable"}, follow=True).content.decode()
    assert "Nincs feltöltött SSL tanúsítvány" in html
    assert not EesztSettings.objects.filter(module_enabled=True).exists()
    eeszt_certificate_upload(
        company=personas.company_a,
        actor=personas.owner,
        data=test_pki.p12(test_pki.issue()),
        password=SMS_CODE,
    )
    html = client.post(url, {"action": "enable"}, follow=True).content.decode()
    assert "Az EESZT modul bekapcsolva." in html
    assert EesztSettings.objects.get(company=personas.company_a).module_enabled
    client.post(url, {"action": "disable"})
    assert not EesztSettings.objects.get(company=personas.company_a).module_enabled


def test_module_needs_org_unit_and_doctor(personas, test_pki, ca_bundle):
    from zomanc.eeszt.setup.selectors import eeszt_missing_items

    eeszt_certificate_upload(
        company=personas.company_a,
        actor=personas.owner,
        data=test_pki.p12(test_pki.issue()),
        password=SMS_CODE,
    )
    assert eeszt_missing_items(company=personas.company_a) == []
    OrgUnit.objects.filter(company=personas.company_a).update(is_active=False)
    for m in (personas.doctor, personas.doctor2):
        m.is_active = False
        m.save()
    missing = " ".join(eeszt_missing_items(company=personas.company_a))
    assert "szervezeti egység" in missing and "pecsétszám" in missing


def test_checklist_login_methods_live(personas):
    from zomanc.eeszt.setup.selectors import eeszt_checklist
    from zomanc.eeszt.setup.services import eeszt_member_profile_update

    def step9():
        return next(i for i in eeszt_checklist(company=personas.company_a) if i.step == "9")

    assert step9().state == "missing"
    for m in (personas.doctor, personas.doctor2):
        eeszt_member_profile_update(
            member=m,
            actor=personas.owner,
            portal_username=f"O{m.stamp_number}",
            login_method="card",
        )
    assert step9().state == "warning"
    for m in (personas.doctor, personas.doctor2):
        eeszt_session_store(
            member=m,
            company=personas.company_a,
            assertion=b"<a/>",
            assertion_id="_x",
            eeszt_user_id=f"O{m.stamp_number}",
            not_on_or_after=timezone.now() + dt.timedelta(hours=1),
            login_method="card",
        )
    assert step9().state == "done"


def test_connection_test_view_reports_stages(personas, test_pki, ca_bundle, settings):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        settings.EESZT_ENDPOINT = f"https://127.0.0.1:{s.getsockname()[1]}"
    eeszt_certificate_upload(
        company=personas.company_a,
        actor=personas.owner,
        data=test_pki.p12(test_pki.issue()),
        password=SMS_CODE,
    )
    response = personas.client_for(personas.owner).post(
        reverse("eeszt:connection_test", args=[personas.company_a.pk])
    )
    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        "TLS kapcsolat",
        "Nem sikerült kapcsolódni",
        "Bejelentkezés",
        "ezért ez nem ellenőrizhető",
        "nem ellenőrzött",
    ):
        assert text in html, text


def test_settings_page_sets_eeszt_user_ids_for_every_eeszt_user_role(personas):
    """Doctors, assistants and owners may use EESZT (Perm.EESZT_USE), so each gets a row for
    his EESZT user id; a receptionist gets none and cannot be given one."""
    p = personas
    client = p.client_for(p.owner)
    html = client.get(reverse("eeszt:company_settings", args=[p.company_a.pk])).content.decode()
    rows = html[html.index('id="eeszt-felhasznalok"') :]
    rows = rows[: rows.index("</section>")]
    for member in (p.owner, p.doctor, p.assistant):
        assert reverse("eeszt:member_profile_update", args=[p.company_a.pk, member.pk]) in rows
    receptionist_url = reverse(
        "eeszt:member_profile_update", args=[p.company_a.pk, p.receptionist.pk]
    )
    assert receptionist_url not in rows

    url = reverse("eeszt:member_profile_update", args=[p.company_a.pk, p.assistant.pk])
    prefix = f"m{p.assistant.pk}"
    ok = client.post(
        url, {f"{prefix}-portal_username": "assz506097", f"{prefix}-login_method": "mobile"}
    )
    assert ok.status_code == 302
    p.assistant.refresh_from_db()
    assert p.assistant.eeszt_profile.portal_username == "ASSZ506097"
    assert eeszt_user_id_for(p.assistant) == "ASSZ506097"
    # The VMátrix role EESZT grants an assistant (the sandbox's EESZT_FELHASZNALO).
    assert eeszt_role_for(p.assistant) == "EESZT_FELHASZNALO"
    assert eeszt_role_for(p.doctor) == "ORVOS"

    prefix = f"m{p.receptionist.pk}"
    refused = client.post(
        receptionist_url, {f"{prefix}-portal_username": "RECEP1", f"{prefix}-login_method": ""}
    )
    assert refused.status_code == 400
    assert "nem használhatja az EESZT-t" in refused.content.decode()
    assert not EesztMemberProfile.objects.filter(member=p.receptionist).exists()
