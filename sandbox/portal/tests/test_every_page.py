"""Every page the sandbox serves to people — Ágazati portál, Lakossági portál, Üzemeltetés,
test data, certificates, SMS, and the NAV portal under /nav/ — renders in the national frame:
the portal stylesheet and the yellow "OKTATÓ KÖRNYEZET (sandbox)" band, so nobody mistakes the
training EESZT or NAV for production or for Zománc. The URL list is read from the URLconf, so
a new page cannot slip past the test."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from sandbox.nav.seed import nav_seed_demo
from sandbox.portal.session import KEY_OPERATOR, KEY_PATIENT
from sandbox.portal.tests.conftest import DEMO_UNIT, PortalLogin
from sandbox.profile.models import ProfileEntry
from sandbox.registry import seed

BAND = "OKTATÓ KÖRNYEZET (sandbox)"
STYLESHEET = "portal/portal.css"

# Routes that are not HTML pages people look at (POST-only actions answer 405 and are left
# out by the check below; these answer GET with a file or a redirect by design).
NOT_PAGES = {
    "portal:contract_download",  # the contract zip
    "portal:certificate_download",  # POST-only download
    "portal:login_card_start",  # JSON for the card script
    "portal:logout",
    "portal:patient_leave",
    "portal:operator_logout",
    "nav:api",  # the NAV XML API
}


def _named_routes() -> list[tuple[str, URLPattern]]:
    routes: list[tuple[str, URLPattern]] = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace in {"portal", "nav"}:
            for p in entry.url_patterns:
                if isinstance(p, URLPattern) and p.name:
                    routes.append((f"{entry.namespace}:{p.name}", p))
    return routes


def _args_for(name: str, pattern: URLPattern) -> list[object]:
    """Sample arguments for pages with a path parameter (a demo taxpayer, an eProfil entry)."""
    params = list(pattern.pattern.converters)
    if not params:
        return []
    if name.startswith("nav:"):
        return ["24681353"] * len(params)
    if name == "portal:patient_profile_history":
        entry = ProfileEntry.objects.order_by("pk").first()
        assert entry is not None, "the seed has no eProfil entry"
        return [entry.entry_id]
    return [1] * len(params)


@pytest.fixture
def everyone(portal_login: PortalLogin) -> Client:
    """One browser that is logged in to the Ágazati portál (rights admin, an org unit chosen),
    the Lakossági portál (a seeded patient) and Üzemeltetés at once."""
    nav_seed_demo()
    client = portal_login(seed.RIGHTS_ADMIN, DEMO_UNIT)
    session = client.session
    session[KEY_OPERATOR] = True
    # The patient of the seed's first eProfil entry, so the entry history page renders too.
    entry = ProfileEntry.objects.order_by("pk").first()
    assert entry is not None, "the seed has no eProfil entry"
    session[KEY_PATIENT] = entry.patient_id
    session.save()
    return client


def test_every_portal_and_nav_page_carries_the_sandbox_band(everyone: Client) -> None:
    rendered: list[str] = []
    for name, pattern in _named_routes():
        if name in NOT_PAGES:
            continue
        url = reverse(name, args=_args_for(name, pattern))
        response = everyone.get(url)
        if response.status_code in (302, 403, 404, 405):
            # POST-only actions (405), pages this one user may not see: checked below by name.
            continue
        assert response.status_code == 200, (name, response.status_code)
        assert response["Content-Type"].startswith("text/html"), name
        page = response.content.decode()
        assert BAND in page, f"{name} ({url}) has no sandbox band"
        assert STYLESHEET in page, f"{name} ({url}) does not use the portal stylesheet"
        rendered.append(name)
    # The pages the issue names must really have been rendered above, not skipped.
    for must in (
        "portal:home",
        "portal:login",
        "portal:choose_context",
        "portal:vmatrix",
        "portal:sms",
        "portal:card_activation",
        "portal:mobile_token",
        "portal:password",
        "portal:patient_choose",
        "portal:patient_home",
        "portal:patient_events",
        "portal:patient_documents",
        "portal:patient_referrals",
        "portal:patient_profile",
        "portal:patient_profile_history",
        "portal:patient_access_log",
        "portal:patient_dor",
        "portal:operator",
        "portal:testdata",
        "nav:home",
        "nav:taxpayer_register",
        "nav:taxpayer",
        "nav:invoices",
        "nav:rejected",
        "nav:annulments",
        "nav:operator",
    ):
        assert must in rendered, f"{must} was not rendered"


def test_certificates_and_logged_out_pages_carry_the_band(client: Client, seeded: None) -> None:
    for name in ("portal:home", "portal:login", "portal:operator_login", "portal:patient_choose"):
        page = client.get(reverse(name)).content.decode()
        assert BAND in page, name


def test_certificates_page_carries_the_band(portal_login: PortalLogin) -> None:
    client = portal_login(seed.DEMO_DENTIST, f"I:{seed.DEMO_INSTITUTION}")
    response = client.get(reverse("portal:certificates"))
    assert response.status_code == 200
    assert BAND in response.content.decode()


def test_nav_pages_have_their_own_accent_in_the_same_frame(everyone: Client) -> None:
    nav = everyone.get(reverse("nav:home")).content.decode()
    portal = everyone.get(reverse("portal:home")).content.decode()
    assert '<body class="nav-site">' in nav and "NAV Online Számla — " + BAND in nav
    assert '<body class="nav-site">' not in portal and "Ágazati portál — " + BAND in portal
