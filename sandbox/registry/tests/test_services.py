"""VMátrix writes: grant_add / grant_remove."""

from __future__ import annotations

import pytest

from sandbox.registry import seed
from sandbox.registry.models import Grant, OrgUnit, Role, User
from sandbox.registry.selectors import grant_roles
from sandbox.registry.services import GrantRefused, grant_add, grant_remove

pytestmark = pytest.mark.django_db


def test_grant_add_gives_the_role_for_the_org_unit_and_is_idempotent(seeded: None) -> None:
    user = User.objects.get(user_id="O70002")
    unit = OrgUnit.objects.get(code="001044300")
    first = grant_add(user=user, org_unit=unit, role=Role.ORVOS)
    again = grant_add(user=user, org_unit=unit, role=Role.ORVOS)
    assert first.pk == again.pk
    assert first.institution_id == unit.institution_id
    assert grant_roles(user=user, org_unit=unit) == {Role.ORVOS}


def test_grant_add_refuses_an_unknown_role(seeded: None) -> None:
    user = User.objects.get(user_id="O70002")
    unit = OrgUnit.objects.get(code="001044300")
    with pytest.raises(GrantRefused):
        grant_add(user=user, org_unit=unit, role="FONOK")
    assert not Grant.objects.filter(user=user, org_unit=unit).exists()


def test_grant_remove_keeps_the_last_rights_admin(seeded: None) -> None:
    admin = Grant.objects.get(user__user_id=seed.RIGHTS_ADMIN, role=Role.INTJOGADIN)
    with pytest.raises(GrantRefused):
        grant_remove(grant=admin)
    assert Grant.objects.filter(pk=admin.pk).exists()
    second = grant_add(
        user=admin.user, org_unit=OrgUnit.objects.get(code="001044300"), role=Role.INTJOGADIN
    )
    grant_remove(grant=admin)
    assert not Grant.objects.filter(pk=admin.pk).exists()
    assert Grant.objects.filter(pk=second.pk).exists()
