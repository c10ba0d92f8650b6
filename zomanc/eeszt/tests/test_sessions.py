import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from zomanc.eeszt.models import EesztSession, EesztSettings, SealedSecret
from zomanc.eeszt.sessions import (
    eeszt_session_active,
    eeszt_session_assertion,
    eeszt_session_end,
    eeszt_session_store,
)

ASSERTION = (
    b'<saml2:Assertion ID="_a1" xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion">'
    b"X</saml2:Assertion>"
)


def _store(personas, member=None, hours=7.0, company=None):
    return eeszt_session_store(
        member=member or personas.doctor,
        company=company or personas.company_a,
        assertion=ASSERTION,
        assertion_id="_a1",
        eeszt_user_id="O58012",
        not_on_or_after=timezone.now() + dt.timedelta(hours=hours),
        login_method="card",
    )


def test_store_encrypts_and_returns_the_exact_assertion(personas):
    session = _store(personas)
    assert eeszt_session_active(member=personas.doctor, company=personas.company_a) == session
    assert eeszt_session_assertion(session) == ASSERTION
    for secret in SealedSecret.objects.all():
        assert b"Assertion" not in bytes(secret.ciphertext)


def test_session_length_capped_by_setting(personas, settings):
    settings.EESZT_SESSION_HOURS = 2
    session = _store(personas, hours=7)
    assert session.not_on_or_after <= timezone.now() + dt.timedelta(hours=2)


def test_expired_session_is_not_active(personas):
    _store(personas, hours=1)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        assert eeszt_session_active(member=personas.doctor, company=personas.company_a) is None


def test_new_login_ends_the_previous_one(personas):
    first = _store(personas)
    second = _store(personas)
    first.refresh_from_db()
    assert first.ended_at is not None and first.end_reason == "replaced"
    assert first.assertion_secret_id is None
    assert eeszt_session_active(member=personas.doctor, company=personas.company_a) == second


def test_end_destroys_the_assertion(personas):
    session = _store(personas)
    eeszt_session_end(session=session)
    session.refresh_from_db()
    assert session.ended_at is not None
    assert not SealedSecret.objects.exists()
    with pytest.raises(ValueError):
        eeszt_session_assertion(session)


def test_other_practice_company_refused(personas):
    with pytest.raises(ValidationError):
        _store(personas, company=personas.company_b)
    assert not EesztSession.objects.exists()


def test_header_shows_who_and_until_when(personas):
    session = _store(personas)
    html = personas.client_for(personas.doctor).get(reverse("core:home")).content.decode()
    until = timezone.localtime(session.not_on_or_after).strftime("%H:%M")
    assert "EESZT: O58012" in html and f"{until}-ig" in html
    assert reverse("eeszt:session_end", args=[session.pk]) in html
    # A colleague sees nothing of it.
    other = personas.client_for(personas.doctor2).get(reverse("core:home")).content.decode()
    assert "O58012" not in other


def test_header_says_not_logged_in_where_module_is_on(personas):
    EesztSettings.objects.create(
        practice=personas.practice_a, company=personas.company_a, module_enabled=True
    )
    html = personas.client_for(personas.doctor).get(reverse("core:home")).content.decode()
    assert "EESZT: nincs bejelentkezve" in html
    html = personas.client_for(personas.receptionist).get(reverse("core:home")).content.decode()
    assert "EESZT:" not in html  # receptionists do not use EESZT


def test_logout_ends_own_session(personas):
    session = _store(personas)
    client = personas.client_for(personas.doctor)
    response = client.post(reverse("eeszt:session_end", args=[session.pk]), {"next": "/"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.ended_at is not None and session.end_reason == "logout"


def test_logout_requires_login(personas, client):
    session = _store(personas)
    response = client.post(reverse("eeszt:session_end", args=[session.pk]))
    assert response.status_code == 302 and "login" in response["Location"]
    session.refresh_from_db()
    assert session.ended_at is None


def test_logout_of_a_colleagues_session_is_404(personas):
    session = _store(personas)
    for member in (personas.doctor2, personas.owner, personas.outsider):
        response = personas.client_for(member).post(reverse("eeszt:session_end", args=[session.pk]))
        assert response.status_code == 404
    session.refresh_from_db()
    assert session.ended_at is None
