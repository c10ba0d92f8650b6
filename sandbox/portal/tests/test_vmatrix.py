"""VMátrix: the rights admin assigns users to org units with roles; the SOAP context check
then passes for that org unit. Non-admins are refused; other institutions stay hidden."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sandbox.portal.models import InstitutionRight
from sandbox.portal.tests.conftest import DEMO_INST_ONLY, DEMO_UNIT, PortalLogin, query_count
from sandbox.registry import seed
from sandbox.registry.models import Grant, OrgUnit, Role, User
from sandbox.soap.ns import service_ns
from sandbox.testing import payload

pytestmark = pytest.mark.django_db
EKAT = service_ns("ekat")


def _event_query(soap: object, user: str, org_unit: str) -> str | None:
    req = payload(EKAT, "EventQueryRequest", patient={"idType": "TAJ", "id": "111111110"})
    return soap.call("ekat", req, user=user, org_unit=org_unit).fault_code  # type: ignore[attr-defined]


def test_requires_rights_admin(portal_login: PortalLogin) -> None:
    client = portal_login(seed.DEMO_DENTIST, DEMO_UNIT)
    assert "VMátrix</a>" not in client.get(reverse("portal:home")).content.decode()
    response = client.get(reverse("portal:vmatrix"))
    assert response.status_code == 403
    assert "INTJOGADIN" in response.content.decode()
    response = client.post(
        reverse("portal:grant_create"),
        {
            "user_id": "O70002",
            "org_unit": OrgUnit.objects.get(code="001044300").pk,
            "role": "ORVOS",
        },
    )
    assert response.status_code == 403
    assert not Grant.objects.filter(user__user_id="O70002", org_unit__code="001044300").exists()


def test_requires_login(client: object, seeded: None) -> None:
    response = client.get(reverse("portal:vmatrix"))  # type: ignore[attr-defined]
    assert response.status_code == 302


def test_rights_admin_sees_the_institutions_grants_only(portal_login: PortalLogin) -> None:
    client = portal_login(seed.RIGHTS_ADMIN, DEMO_INST_ONLY)
    page = client.get(reverse("portal:vmatrix"))
    assert page.status_code == 200
    html = page.content.decode()
    assert seed.DEMO_DENTIST in html and seed.SECOND_DOCTOR in html
    assert seed.OTHER_DOCTOR not in html  # a user of the other institution only
    assert "VMátrix</a>" in html


def test_grant_then_the_soap_context_check_passes_for_that_org_unit(
    portal_login: PortalLogin, soap: object
) -> None:
    assert _event_query(soap, "O70002", "001044300") == "CONTEXT_NOT_PERMITTED"
    client = portal_login(seed.RIGHTS_ADMIN, DEMO_UNIT)
    response = client.post(
        reverse("portal:grant_create"),
        {
            "user_id": "o70002",
            "org_unit": OrgUnit.objects.get(code="001044300").pk,
            "role": Role.ORVOS,
        },
    )
    assert response.status_code == 302
    # Past the VMátrix and role checks: whatever the access rules answer now, it is not
    # a context refusal.
    assert _event_query(soap, "O70002", "001044300") not in {
        "CONTEXT_NOT_PERMITTED",
        "ROLE_MISSING",
    }
    # And removing the grant takes it away again.
    grant = Grant.objects.get(user__user_id="O70002", org_unit__code="001044300")
    assert client.post(reverse("portal:grant_delete", args=[grant.pk])).status_code == 302
    assert _event_query(soap, "O70002", "001044300") == "CONTEXT_NOT_PERMITTED"


def test_grant_form_offers_only_own_org_units(portal_login: PortalLogin) -> None:
    client = portal_login(seed.RIGHTS_ADMIN, DEMO_UNIT)
    foreign = OrgUnit.objects.get(code=seed.OTHER_ORG_UNIT)
    response = client.post(
        reverse("portal:grant_create"),
        {"user_id": "O70002", "org_unit": foreign.pk, "role": Role.ORVOS},
    )
    assert response.status_code == 400
    assert not Grant.objects.filter(user__user_id="O70002", org_unit=foreign).exists()
    assert "001044300" in response.content.decode()
    assert seed.OTHER_ORG_UNIT + " " not in response.content.decode()


def test_grant_form_unknown_user_message(portal_login: PortalLogin) -> None:
    client = portal_login(seed.RIGHTS_ADMIN, DEMO_UNIT)
    response = client.post(
        reverse("portal:grant_create"),
        {
            "user_id": "O00000",
            "org_unit": OrgUnit.objects.get(code="001044300").pk,
            "role": "ORVOS",
        },
    )
    assert response.status_code == 400
    assert "Nincs ilyen EESZT felhasználó." in response.content.decode()


def test_hides_other_institution_grants(portal_login: PortalLogin) -> None:
    client = portal_login(seed.RIGHTS_ADMIN, DEMO_UNIT)
    foreign = Grant.objects.get(user__user_id=seed.OTHER_DOCTOR)
    assert client.post(reverse("portal:grant_delete", args=[foreign.pk])).status_code == 404
    assert Grant.objects.filter(pk=foreign.pk).exists()


def test_last_rights_admin_grant_is_kept_with_a_message(portal_login: PortalLogin) -> None:
    client = portal_login(seed.RIGHTS_ADMIN, DEMO_UNIT)
    admin = Grant.objects.get(user__user_id=seed.RIGHTS_ADMIN, role=Role.INTJOGADIN)
    response = client.post(reverse("portal:grant_delete", args=[admin.pk]), follow=True)
    assert "utolsó jogosultság-adminisztrátori" in response.content.decode()
    assert Grant.objects.filter(pk=admin.pk).exists()


def test_institution_right_gives_the_certificate_menu(
    portal_login: PortalLogin, client: object
) -> None:
    admin = portal_login(seed.RIGHTS_ADMIN, DEMO_UNIT)
    response = admin.post(
        reverse("portal:right_create"), {"user_id": seed.SECOND_DOCTOR, "right": "SSL_LETOLTES"}
    )
    assert response.status_code == 302
    right = InstitutionRight.objects.get(user__user_id=seed.SECOND_DOCTOR)
    admin.post(reverse("portal:logout"))
    doctor = portal_login(seed.SECOND_DOCTOR, DEMO_INST_ONLY)
    assert doctor.get(reverse("portal:certificates")).status_code == 200
    doctor.post(reverse("portal:logout"))
    admin = portal_login(seed.RIGHTS_ADMIN, DEMO_UNIT)
    assert admin.post(reverse("portal:right_delete", args=[right.pk])).status_code == 302
    admin.post(reverse("portal:logout"))
    doctor = portal_login(seed.SECOND_DOCTOR, DEMO_INST_ONLY)
    assert doctor.get(reverse("portal:certificates")).status_code == 403


def test_seed_gives_the_demo_dentist_the_certificate_right(seeded: None) -> None:
    assert InstitutionRight.objects.filter(
        user__user_id=seed.DEMO_DENTIST, institution__institution_id=seed.DEMO_INSTITUTION
    ).exists()


def test_vmatrix_query_count_does_not_grow_with_grants(portal_login: PortalLogin) -> None:
    client = portal_login(seed.RIGHTS_ADMIN, DEMO_UNIT)
    url = reverse("portal:vmatrix")
    query_count(client, url)
    few = query_count(client, url)
    unit = OrgUnit.objects.get(code="001044300")
    for user in User.objects.exclude(grants__org_unit=unit)[:3]:
        Grant.objects.create(user=user, institution=unit.institution, org_unit=unit, role="ORVOS")
    assert query_count(client, url) == few
