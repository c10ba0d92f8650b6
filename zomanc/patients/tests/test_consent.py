"""Message consent (GDPR proof): the append-only history, the selector the sending side asks,
the opt-out the message links call, and the card on the patient page with its persona,
bad-input and query-count tests."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zomanc.audit.models import AuditEntry
from zomanc.conftest import Personas
from zomanc.patients.consent_selectors import (
    patient_channels_allowed,
    patient_consent_state,
    patient_message_language,
)
from zomanc.patients.consent_services import (
    patient_channel_opt_in,
    patient_channel_opt_out,
    patient_message_language_set,
)
from zomanc.patients.models import ConsentChange, ContactConsent, Patient
from zomanc.patients.tests.factories import make_patient


@pytest.fixture
def patient(personas: Personas) -> Patient:
    return make_patient(personas.receptionist)


def _in(patient: Patient, personas: Personas, channel: str, method: str = "paper") -> None:
    patient_channel_opt_in(
        patient=patient, channel=channel, method=method, actor=personas.receptionist
    )


# --- services and selectors ----------------------------------------------------------------


def test_no_consent_means_no_channel(patient: Patient) -> None:
    assert patient_channels_allowed(patient) == set()
    assert patient_message_language(patient) == "hu"


def test_opt_in_allows_that_channel_only(patient: Patient, personas: Personas) -> None:
    _in(patient, personas, "email")
    assert patient_channels_allowed(patient) == {"email"}
    _in(patient, personas, "sms", "phone")
    assert patient_channels_allowed(patient) == {"email", "sms"}


def test_opt_in_records_when_how_and_by_whom(patient: Patient, personas: Personas) -> None:
    patient_channel_opt_in(
        patient=patient, channel="sms", method="phone", actor=personas.owner, note="hívás 9:10"
    )
    entry = ContactConsent.objects.get(patient=patient)
    assert (entry.change, entry.channel, entry.method) == ("opt_in", "sms", "phone")
    assert entry.recorded_by == personas.owner and entry.recorded_at is not None
    assert entry.note == "hívás 9:10"
    assert AuditEntry.objects.filter(
        patient_id=patient.pk, object_type="patients.contactconsent"
    ).exists()


def test_opt_out_is_honoured_at_once_and_keeps_the_history(
    patient: Patient, personas: Personas
) -> None:
    _in(patient, personas, "email")
    _in(patient, personas, "sms")
    first = ContactConsent.objects.order_by("id").first()
    assert first is not None
    entry = patient_channel_opt_out(patient=patient, channel="email", how="link")
    assert entry is not None and entry.recorded_by is None and entry.method == "link"
    assert patient_channels_allowed(patient) == {"sms"}
    # Append-only: the opt-in is still there, unchanged; the state is the latest entry.
    assert ContactConsent.objects.filter(patient=patient).count() == 3
    first_again = ContactConsent.objects.get(pk=first.pk)
    assert (first_again.change, first_again.email_allowed) == ("opt_in", True)


def test_second_opt_out_click_changes_nothing(patient: Patient, personas: Personas) -> None:
    _in(patient, personas, "email")
    assert patient_channel_opt_out(patient=patient, channel="email", how="link") is not None
    assert patient_channel_opt_out(patient=patient, channel="email", how="link") is None
    assert ContactConsent.objects.filter(change=ConsentChange.OPT_OUT).count() == 1


def test_opt_out_without_consent_records_nothing(patient: Patient) -> None:
    assert patient_channel_opt_out(patient=patient, channel="sms", how="phone") is None
    assert not ContactConsent.objects.exists()


def test_consent_again_after_withdrawal(patient: Patient, personas: Personas) -> None:
    _in(patient, personas, "sms")
    patient_channel_opt_out(patient=patient, channel="sms", how="phone", actor=personas.owner)
    _in(patient, personas, "sms", "in_person")
    assert patient_channels_allowed(patient) == {"sms"}
    state = patient_consent_state(patient)
    sms = next(c for c in state.channels if c.channel == "sms")
    assert sms.allowed and sms.entry is not None and sms.entry.method == "in_person"


def test_link_cannot_give_consent(patient: Patient, personas: Personas) -> None:
    with pytest.raises(ValidationError) as error:
        _in(patient, personas, "email", "link")
    assert "Hozzájárulás így nem rögzíthető" in str(error.value)
    assert not ContactConsent.objects.exists()


def test_consent_needs_an_address(personas: Personas) -> None:
    patient = make_patient(personas.receptionist, email="", phone="")
    with pytest.raises(ValidationError, match="nincs e-mail-címe"):
        _in(patient, personas, "email")
    with pytest.raises(ValidationError, match="nincs telefonszáma"):
        _in(patient, personas, "sms")
    assert not ContactConsent.objects.exists()


def test_address_removed_later_means_no_channel(patient: Patient, personas: Personas) -> None:
    _in(patient, personas, "email")
    patient.email = ""
    assert patient_channels_allowed(patient) == set()


def test_consent_twice_is_refused(patient: Patient, personas: Personas) -> None:
    _in(patient, personas, "email")
    with pytest.raises(ValidationError, match="már van érvényes hozzájárulás"):
        _in(patient, personas, "email")


def test_language_is_kept_across_consent_changes(patient: Patient, personas: Personas) -> None:
    patient_message_language_set(patient=patient, language="de", actor=personas.receptionist)
    _in(patient, personas, "email")
    assert patient_message_language(patient) == "de"
    assert patient_channels_allowed(patient) == {"email"}
    assert (
        patient_message_language_set(patient=patient, language="de", actor=personas.owner) is None
    )
    with pytest.raises(ValidationError, match="Válasszon nyelvet"):
        patient_message_language_set(patient=patient, language="fr", actor=personas.owner)


def test_consent_of_one_practice_is_not_another_s(personas: Personas) -> None:
    a = make_patient(personas.receptionist)
    b = make_patient(personas.outsider, id_value=a.id_value)
    _in(a, personas, "email")
    assert patient_channels_allowed(b) == set()


# --- the card and its actions --------------------------------------------------------------


def _url(name: str, patient: Patient) -> str:
    return reverse(f"patients:{name}", args=[patient.pk])


OPT_IN = {"optin-channel": "email", "optin-method": "paper", "optin-note": "N-12"}
OPT_OUT = {"optout-channel": "email", "optout-method": "phone"}
LANGUAGE = {"lang-language": "en"}
ACTIONS = [("consent_opt_in", OPT_IN), ("consent_opt_out", OPT_OUT), ("consent_language", LANGUAGE)]


def test_requires_login(client: object, personas: Personas, patient: Patient) -> None:
    for name, data in ACTIONS:
        response = client.post(_url(name, patient), data)  # type: ignore[attr-defined]
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ["doctor", "assistant"])
def test_requires_consent_edit(personas: Personas, patient: Patient, role: str) -> None:
    client = personas.client_for(getattr(personas, role))
    for name, data in ACTIONS:
        assert client.post(_url(name, patient), data).status_code == 403
    assert not ContactConsent.objects.exists()
    page = client.get(_url("detail", patient)).content.decode()
    assert "Üzenetküldés" in page and _url("consent_opt_in", patient) not in page


def test_hides_other_practice(personas: Personas, patient: Patient) -> None:
    client = personas.client_for(personas.outsider)
    for name, data in ACTIONS:
        assert client.post(_url(name, patient), data).status_code == 404
    assert not ContactConsent.objects.exists()


@pytest.mark.parametrize("role", ["receptionist", "owner"])
def test_record_and_withdraw_on_the_card(personas: Personas, patient: Patient, role: str) -> None:
    client = personas.client_for(getattr(personas, role))
    assert client.post(_url("consent_opt_in", patient), OPT_IN).status_code == 302
    page = client.get(_url("detail", patient)).content.decode()
    assert "hozzájárult" in page and "személyesen, papíron aláírva" in page and "N-12" in page
    assert patient_channels_allowed(patient) == {"email"}
    assert client.post(_url("consent_opt_out", patient), OPT_OUT).status_code == 302
    assert client.post(_url("consent_language", patient), LANGUAGE).status_code == 302
    assert patient_channels_allowed(patient) == set()
    assert patient_message_language(patient) == "en"
    page = client.get(_url("detail", patient)).content.decode()
    assert "visszavonta" in page and "angol" in page


def test_bad_input_is_refused_in_hungarian(personas: Personas, patient: Patient) -> None:
    client = personas.client_for(personas.receptionist)
    response = client.post(_url("consent_opt_in", patient), {"optin-channel": "email"})
    assert response.status_code == 400
    assert "Adja meg, hogyan adta meg a hozzájárulást." in response.content.decode()
    no_phone = make_patient(personas.receptionist, phone="", family_name="Tóth")
    response = client.post(
        _url("consent_opt_in", no_phone),
        {"optin-channel": "sms", "optin-method": "phone"},
    )
    assert response.status_code == 400
    assert "nincs telefonszáma" in response.content.decode()
    assert not ContactConsent.objects.exists()


def test_card_costs_one_query_whatever_the_history(
    personas: Personas, patient: Patient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zomanc.patients import views

    client = personas.client_for(personas.doctor)
    url = _url("detail", patient)
    client.get(url)  # warm-up (session, caches)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    empty = count()
    for _ in range(5):
        _in(patient, personas, "sms")
        patient_channel_opt_out(patient=patient, channel="sms", how="phone")
    assert count() == empty
    # Without the card's one read, the page makes exactly one query less.
    from zomanc.patients.consent_selectors import ChannelState, ConsentState

    monkeypatch.setattr(
        views,
        "patient_consent_state",
        lambda p: ConsentState([ChannelState("email", False, None)], "hu"),
    )
    assert count() == empty - 1
