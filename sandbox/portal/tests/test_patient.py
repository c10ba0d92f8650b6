"""Lakossági portál: patient picker, DÖR restrictions (with the delay rule), waivers, eProfil
prohibition, the access log with breakglass flagged, documents / events / referrals /
eProfil read-only; each patient sees only his own data."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from sandbox.access.models import DorRestriction, Waiver
from sandbox.access.services import access_log_write, breakglass_open
from sandbox.clock.services import now
from sandbox.documents.services import document_add_from_provider
from sandbox.portal.session import KEY_PATIENT
from sandbox.portal.tests.conftest import query_count
from sandbox.profile.models import ProfileProhibition
from sandbox.referral.services import referral_issue
from sandbox.registry import seed
from sandbox.registry.models import Doctor, IdType, OrgUnit, Patient, User

pytestmark = pytest.mark.django_db


def _patient(taj: str = "111111110") -> Patient:
    return Patient.objects.get(id_type=IdType.TAJ, id_value=taj)


@pytest.fixture
def as_patient(client: Client, seeded: None) -> Client:
    response = client.post(reverse("portal:patient_choose"), {"patient": _patient().pk})
    assert response.status_code == 302
    return client


def test_requires_a_chosen_patient(client: Client, seeded: None) -> None:
    for name in (
        "patient_home",
        "patient_events",
        "patient_documents",
        "patient_referrals",
        "patient_profile",
        "patient_access_log",
        "patient_dor",
    ):
        response = client.get(reverse(f"portal:{name}"))
        assert response.status_code == 302, name
        assert response["Location"] == reverse("portal:patient_choose")


def test_picker_lists_test_patients_and_logs_in(client: Client, seeded: None) -> None:
    page = client.get(reverse("portal:patient_choose")).content.decode()
    assert "111111110" in page and "tesztbeteg" in page.lower()
    client.post(reverse("portal:patient_choose"), {"patient": _patient().pk})
    home = client.get(reverse("portal:patient_home")).content.decode()
    assert _patient().name in home
    client.post(reverse("portal:patient_leave"))
    assert KEY_PATIENT not in client.session


def test_picker_unknown_patient_is_404(client: Client, seeded: None) -> None:
    assert client.post(reverse("portal:patient_choose"), {"patient": "999999"}).status_code == 404


def test_dor_restriction_by_institution_user_and_category(as_patient: Client) -> None:
    url = reverse("portal:patient_dor_add")
    assert as_patient.post(url, {"scope": "INTEZMENY", "institution": "01060J"}).status_code == 302
    assert as_patient.post(url, {"scope": "FELHASZNALO", "user_id": "o58012"}).status_code == 302
    assert as_patient.post(url, {"scope": "KATEGORIA", "category": "PSZICH"}).status_code == 302
    values = set(DorRestriction.objects.filter(patient=_patient()).values_list("scope", "value"))
    assert values == {("INTEZMENY", "01060J"), ("FELHASZNALO", "O58012"), ("KATEGORIA", "PSZICH")}
    page = as_patient.get(reverse("portal:patient_dor")).content.decode()
    assert "24 órán belül" in page and "Érvényben" in page


def test_dor_restriction_value_errors_stand_next_to_the_field(as_patient: Client) -> None:
    url = reverse("portal:patient_dor_add")
    missing = as_patient.post(url, {"scope": "FELHASZNALO", "user_id": ""})
    assert missing.status_code == 400
    assert "Adja meg, kire vagy mire vonatkozik a tiltás." in missing.content.decode()
    unknown = as_patient.post(url, {"scope": "FELHASZNALO", "user_id": "O00000"})
    assert unknown.status_code == 400
    assert "Ismeretlen felhasználó: O00000." in unknown.content.decode()
    assert not DorRestriction.objects.filter(patient=_patient()).exists()


def test_dor_delay_setting_shows_when_it_takes_effect(as_patient: Client, settings: object) -> None:
    settings.SANDBOX_DOR_DELAY_HOURS = 24  # type: ignore[attr-defined]
    as_patient.post(reverse("portal:patient_dor_add"), {"scope": "KATEGORIA", "category": "BEL"})
    restriction = DorRestriction.objects.get(patient=_patient())
    assert restriction.effective_from - restriction.created_at == dt.timedelta(hours=24)
    page = as_patient.get(reverse("portal:patient_dor")).content.decode()
    assert "Életbe lép" in page


def test_dor_lift_and_other_patients_restrictions_are_hidden(as_patient: Client) -> None:
    as_patient.post(reverse("portal:patient_dor_add"), {"scope": "KATEGORIA", "category": "BEL"})
    mine = DorRestriction.objects.get(patient=_patient())
    assert as_patient.post(reverse("portal:patient_dor_lift", args=[mine.pk])).status_code == 302
    mine.refresh_from_db()
    assert mine.lifted_at is not None
    other = DorRestriction.objects.filter(patient__id_value="200000006").first()
    assert other is not None  # seeded for another patient
    assert as_patient.post(reverse("portal:patient_dor_lift", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.lifted_at is None
    assert "200000006" not in as_patient.get(reverse("portal:patient_dor")).content.decode()


def test_waiver_for_24_hours_and_revoke(as_patient: Client) -> None:
    response = as_patient.post(reverse("portal:patient_waiver_add"), {"doctor": "58012"})
    assert response.status_code == 302
    waiver = Waiver.objects.get(patient=_patient())
    assert waiver.valid_until - waiver.granted_at == dt.timedelta(hours=24)
    assert waiver.doctor.stamp == "58012"
    page = as_patient.get(reverse("portal:patient_dor")).content.decode()
    assert "Dr. Kovács Anna (58012)" in page
    as_patient.post(reverse("portal:patient_waiver_revoke", args=[waiver.pk]))
    waiver.refresh_from_db()
    assert waiver.revoked_at is not None


def test_waiver_unknown_doctor_refused(as_patient: Client) -> None:
    response = as_patient.post(reverse("portal:patient_waiver_add"), {"doctor": "00000"})
    assert response.status_code == 400
    assert not Waiver.objects.exists()


def test_profile_prohibition_toggle(as_patient: Client) -> None:
    as_patient.post(reverse("portal:patient_profile_forbid"), {"forbidden": "1"})
    assert ProfileProhibition.objects.filter(patient=_patient()).exists()
    assert "megtiltotta" in as_patient.get(reverse("portal:patient_profile")).content.decode()
    as_patient.post(reverse("portal:patient_profile_forbid"), {"forbidden": "0"})
    assert not ProfileProhibition.objects.filter(patient=_patient()).exists()


def test_access_log_shows_every_decision_and_flags_breakglass(as_patient: Client) -> None:
    patient = _patient()
    dentist = User.objects.get(user_id=seed.DEMO_DENTIST)
    unit = OrgUnit.objects.get(code=seed.DEMO_ORG_UNIT)
    at = now()
    access_log_write(
        patient=patient,
        at=at,
        user=dentist,
        institution=unit.institution,
        org_unit=unit,
        role="ORVOS",
        service="documents",
        operation="DocumentList",
        outcome="ELUTASITVA",
        code="SENSITIVE_CATEGORY",
        reason="érzékeny",
    )
    breakglass_open(
        user=dentist,
        institution=unit.institution,
        org_unit=unit,
        role="ORVOS",
        patient=patient,
        reason_code="SURGOS_ELLATAS",
        justification="Akut fájdalom, ellátás.",
        at=at,
    )
    page = as_patient.get(reverse("portal:patient_access_log")).content.decode()
    assert "SENSITIVE_CATEGORY" in page and "Elutasítva" in page
    assert "SÜRGŐSSÉGI (breakglass)" in page
    assert 'class="flag-breakglass"' in page
    assert "Akut fájdalom, ellátás." in page


def test_documents_referrals_profile_pages_show_own_data_only(as_patient: Client) -> None:
    patient, other = _patient(), _patient("123456788")
    unit = OrgUnit.objects.get(code=seed.OTHER_ORG_UNIT)
    author = User.objects.get(user_id=seed.OTHER_DOCTOR)
    mine = document_add_from_provider(
        patient=patient,
        org_unit=unit,
        author=author,
        title="Pszichiátriai lelet",
        text="Szöveg.",
        at=now() - dt.timedelta(days=3),
    )
    theirs = document_add_from_provider(
        patient=other,
        org_unit=unit,
        author=author,
        title="Másik lelet",
        text="Szöveg.",
        at=now() - dt.timedelta(days=3),
    )
    page = as_patient.get(reverse("portal:patient_documents")).content.decode()
    assert mine.versioned_id in page and "Pszichiátriai lelet" in page and "érzékeny" in page
    assert theirs.versioned_id not in page
    events = as_patient.get(reverse("portal:patient_events")).content.decode()
    assert mine.event.event_id in events and theirs.event.event_id not in events
    ref = referral_issue(
        patient=patient,
        referring_doctor=Doctor.objects.get(stamp="45678"),
        referring_org_unit=OrgUnit.objects.get(code="010600001"),
        target_specialty="FOG",
        history="Fogfájás.",
        question="Kérem a fog ellátását.",
    )
    referrals = as_patient.get(reverse("portal:patient_referrals")).content.decode()
    assert ref.referral_id in referrals and "Kiadott" in referrals
    # States carry colour + icon + word (portal.css): the word stays, the badge class says how.
    assert '<span class="badge">Kiadott</span>' in referrals
    assert '<span class="badge badge-ok">Érvényes</span>' in page
    assert re.search(r'<span class="badge badge-(ok|warn)">(Lezárt|Nyitott)</span>', events)
    profile = as_patient.get(reverse("portal:patient_profile"))
    assert profile.status_code == 200


def test_profile_history_of_another_patients_entry_is_404(as_patient: Client) -> None:
    from sandbox.profile.models import ProfileEntry

    entry = ProfileEntry.objects.exclude(patient=_patient()).first()
    if entry is None:
        pytest.fail("the seed has eProfil entries of other patients")
    url = reverse("portal:patient_profile_history", args=[entry.entry_id])
    assert as_patient.get(url).status_code == 404


def test_list_pages_query_counts_do_not_grow_with_rows(as_patient: Client) -> None:
    patient = _patient()
    unit = OrgUnit.objects.get(code=seed.OTHER_ORG_UNIT)
    author = User.objects.get(user_id=seed.OTHER_DOCTOR)
    dentist = User.objects.get(user_id=seed.DEMO_DENTIST)
    demo_unit = OrgUnit.objects.get(code=seed.DEMO_ORG_UNIT)

    def add(n: int) -> None:
        for i in range(n):
            document_add_from_provider(
                patient=patient,
                org_unit=unit,
                author=author,
                title=f"Lelet {i}",
                text="Szöveg.",
                at=now() - dt.timedelta(days=5 + i),
            )
            access_log_write(
                patient=patient,
                at=now(),
                user=dentist,
                institution=demo_unit.institution,
                org_unit=demo_unit,
                role="ORVOS",
                service="ekat",
                operation="EventQuery",
                outcome="ENGEDELYEZVE",
            )
            referral_issue(
                patient=patient,
                referring_doctor=Doctor.objects.get(stamp="45678"),
                referring_org_unit=OrgUnit.objects.get(code="010600001"),
                target_specialty="FOG",
                history="Fogfájás.",
                question="Kérdés.",
            )

    pages = [
        "patient_documents",
        "patient_events",
        "patient_access_log",
        "patient_referrals",
        "patient_profile",
        "patient_dor",
    ]
    add(1)
    before = {p: query_count(as_patient, reverse(f"portal:{p}")) for p in pages}
    add(3)
    after = {p: query_count(as_patient, reverse(f"portal:{p}")) for p in pages}
    assert after == before
