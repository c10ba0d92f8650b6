"""The header's EESZT status (`{% eeszt_header_status %}`) read as plain values: the same
markup the template gives with the model instances, for every case — logged in, not logged in
where the module is on, nothing where it is off or the company inactive, the company names
when there is more than one line — in two queries whatever the number of companies."""

import datetime as dt
import itertools

from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from zomanc.conftest import Personas
from zomanc.eeszt.login.selectors import eeszt_header_status_load
from zomanc.eeszt.models import EesztSession, EesztSettings
from zomanc.eeszt.sessions import eeszt_session_store
from zomanc.eeszt.templatetags.eeszt_tags import eeszt_header_status
from zomanc.practices.models import Company

_institution_ids = itertools.count(1)
ASSERTION = (
    b'<saml2:Assertion ID="_a1" xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion">'
    b"X</saml2:Assertion>"
)


def _company(personas: Personas, name: str, *, active: bool = True) -> Company:
    return Company.objects.create(
        practice=personas.practice_a,
        name=name,
        institution_name=f"{name} intézmény",
        institution_id=f"9{next(_institution_ids):04d}",
        is_active=active,
    )


def _login(personas: Personas, company: Company, user_id: str) -> EesztSession:
    return eeszt_session_store(
        member=personas.doctor,
        company=company,
        assertion=ASSERTION,
        assertion_id="_a1",
        eeszt_user_id=user_id,
        not_on_or_after=timezone.now() + dt.timedelta(hours=3),
        login_method="card",
    )


def _module(personas: Personas, company: Company, *, enabled: bool = True) -> None:
    EesztSettings.objects.create(
        practice=personas.practice_a, company=company, module_enabled=enabled
    )


def _as_instances(personas: Personas, request: object) -> str:
    """The header as the template renders it from model instances (the previous reads)."""
    member = personas.doctor
    sessions = list(
        EesztSession.objects.filter(
            practice_id=member.practice_id,
            member=member,
            ended_at__isnull=True,
            not_on_or_after__gt=timezone.now(),
        )
        .select_related("company")
        .order_by("company__name")
    )
    logged_in = {s.company_id for s in sessions}
    companies = [
        row.company
        for row in EesztSettings.objects.filter(practice_id=member.practice_id, module_enabled=True)
        .select_related("company")
        .order_by("company__name")
        if row.company_id not in logged_in and row.company.is_active
    ]
    return render_to_string(
        "eeszt/_header_status.html",
        {
            "eeszt_sessions": sessions,
            "eeszt_many": len(sessions) + len(companies) > 1,
            "eeszt_login_companies": companies,
            "request": request,
            "csrf_token": "TOKEN",
        },
    )


def _as_values(request: object) -> str:
    context = eeszt_header_status({"request": request, "csrf_token": "TOKEN"})  # type: ignore[arg-type]
    return render_to_string("eeszt/_header_status.html", context)


def _request(personas: Personas) -> object:
    request = RequestFactory().get("/paciensek/1/?q=a b")
    request.member = personas.doctor  # type: ignore[attr-defined]
    return request


def test_same_markup_as_from_the_model_instances(personas: Personas) -> None:
    request = _request(personas)
    assert _as_values(request) == _as_instances(personas, request)
    assert "EESZT" not in _as_values(request)
    _module(personas, personas.company_a)
    one = _as_values(request)
    assert one == _as_instances(personas, request)
    assert "EESZT: nincs bejelentkezve" in one and personas.company_a.name not in one
    second = _company(personas, "Ágas Kft.")
    _module(personas, second)
    _module(personas, _company(personas, "Zárt Kft.", active=False))  # inactive: not offered
    _module(personas, _company(personas, "Kikapcsolt Kft."), enabled=False)  # module off
    session = _login(personas, second, "O58012")
    many = _as_values(request)
    assert many == _as_instances(personas, request)
    assert "EESZT: O58012" in many and "(Ágas Kft.)" in many
    assert f"({personas.company_a.name})" in many
    assert reverse("eeszt:session_end", args=[session.pk]) in many
    assert "Zárt Kft." not in many and "Kikapcsolt Kft." not in many
    assert many.index("Ágas Kft.") < many.index("EESZT: nincs bejelentkezve")


def test_two_queries_and_only_the_members_own_logins(personas: Personas) -> None:
    for index in range(3):
        company = _company(personas, f"Cég {index}")
        _module(personas, company)
        if index:
            _login(personas, company, f"O5801{index}")
    with CaptureQueriesContext(connection) as queries:
        sessions, companies = eeszt_header_status_load(member=personas.doctor)
    assert len(queries) == 2
    assert [s.eeszt_user_id for s in sessions] == ["O58011", "O58012"]
    assert [c.name for c in companies] == ["Cég 0"]
    others, _ = eeszt_header_status_load(member=personas.doctor2)
    assert others == []
