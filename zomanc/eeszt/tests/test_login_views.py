"""EESZT login pages: personas (login required, receptionists do not use EESZT, another
practice's company is 404), the company chooser, "next" kept local, logout best effort."""

import datetime as dt
import socket

import pytest
from django.urls import reverse
from django.utils import timezone

from zomanc.audit.models import AuditAction, AuditEntry
from zomanc.eeszt.models import EesztSession
from zomanc.eeszt.sessions import eeszt_session_store
from zomanc.practices.models import Company


def _login_urls(p, company=None):
    c = (company or p.company_a).pk
    return [
        ("get", f"{reverse('eeszt:login')}?company={c}"),
        ("post", reverse("eeszt:login_challenge", args=[c])),
        ("post", reverse("eeszt:login_card", args=[c])),
        ("post", reverse("eeszt:login_token", args=[c])),
        ("post", reverse("eeszt:login_mobile", args=[c])),
    ]


def test_requires_login(personas, client):
    for method, url in _login_urls(personas):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "login" in response["Location"], url


def test_requires_eeszt_user_receptionist_refused(personas):
    client = personas.client_for(personas.receptionist)
    for method, url in _login_urls(personas):
        assert getattr(client, method)(url).status_code == 403, url


@pytest.mark.parametrize("role", ["owner", "doctor", "assistant"])
def test_eeszt_users_see_the_page(personas, role):
    response = personas.client_for(getattr(personas, role)).get(
        reverse("eeszt:login"), {"company": personas.company_a.pk}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Belépés az EESZT-be" in html
    # No certificate yet: said, and the owner gets the link to fix it.
    assert "data-no-certificate" in html
    settings_url = reverse("eeszt:company_settings", args=[personas.company_a.pk])
    assert (settings_url in html) == (role == "owner")


def test_hides_other_practice(personas):
    client = personas.client_for(personas.doctor)
    for method, url in _login_urls(personas, company=personas.company_b):
        assert getattr(client, method)(url).status_code == 404, url
    assert client.get(reverse("eeszt:login"), {"company": "x1"}).status_code == 404
    assert not EesztSession.objects.exists()


def test_company_chooser_when_several(personas):
    second = Company.objects.create(
        practice=personas.practice_a, name="Második Kft.", institution_id="506098"
    )
    html = (
        personas.client_for(personas.doctor)
        .get(reverse("eeszt:login"), {"next": "/paciensek/"})
        .content.decode()
    )
    for company in (personas.company_a, second):
        assert f"?company={company.pk}&amp;next=/paciensek/" in html
    assert personas.company_b.name not in html


def test_single_company_needs_no_choice(personas):
    response = personas.client_for(personas.doctor).get(reverse("eeszt:login"))
    assert response.status_code == 200 and response.context["company"] == personas.company_a


def test_next_must_stay_on_this_site(personas):
    response = personas.client_for(personas.doctor).get(
        reverse("eeszt:login"),
        {"company": personas.company_a.pk, "next": "https://gonosz.example/"},
    )
    assert response.context["next_url"] == reverse("core:home")


def test_method_tabs_and_profile_default(personas):
    client = personas.client_for(personas.doctor2)
    url = reverse("eeszt:login")
    html = client.get(url, {"company": personas.company_a.pk, "method": "token"}).content.decode()
    assert 'name="password"' in html and 'name="otp"' in html
    html = client.get(url, {"company": personas.company_a.pk, "method": "mobile"}).content.decode()
    assert 'name="password"' not in html and 'name="otp"' in html
    html = client.get(url, {"company": personas.company_a.pk}).content.decode()
    # The card form: the PIN box has no name, so the PIN can never be posted to us.
    assert "data-card-pin" in html and 'name="pin"' not in html


def _session(personas, member=None):
    return eeszt_session_store(
        member=member or personas.doctor,
        company=personas.company_a,
        assertion=b"<saml2:Assertion ID='_x'>titok</saml2:Assertion>",
        assertion_id="_x",
        eeszt_user_id="O58012",
        not_on_or_after=timezone.now() + dt.timedelta(hours=1),
        login_method="card",
    )


def test_logout_when_eeszt_is_unreachable_ends_here_and_says_so(personas, settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        settings.EESZT_ENDPOINT = f"https://127.0.0.1:{s.getsockname()[1]}"
    session = _session(personas)
    client = personas.client_for(personas.doctor)
    response = client.post(
        reverse("eeszt:session_end", args=[session.pk]), {"next": "/paciensek/"}, follow=True
    )
    session.refresh_from_db()
    assert session.ended_at is not None and session.assertion_secret_id is None
    html = response.content.decode()
    assert "Az EESZT most nem volt elérhető" in html
    assert AuditEntry.objects.filter(action=AuditAction.LOGOUT).exists()


def test_logout_of_a_colleagues_session_is_404(personas):
    session = _session(personas)
    for member in (personas.doctor2, personas.outsider):
        url = reverse("eeszt:session_end", args=[session.pk])
        assert personas.client_for(member).post(url).status_code == 404
    session.refresh_from_db()
    assert session.ended_at is None


def test_page_says_when_already_logged_in(personas):
    _session(personas)
    html = (
        personas.client_for(personas.doctor)
        .get(reverse("eeszt:login"), {"company": personas.company_a.pk})
        .content.decode()
    )
    assert "data-login-active" in html and "O58012" in html


def test_header_has_no_eeszt_for_receptionists(personas):
    from zomanc.eeszt.models import EesztSettings

    EesztSettings.objects.create(
        practice=personas.practice_a, company=personas.company_a, module_enabled=True
    )
    html = personas.client_for(personas.receptionist).get(reverse("core:home")).content.decode()
    assert "EESZT:" not in html and reverse("eeszt:login") not in html
