"""`in_ids` (zomanc/core/lookups.py): the rows `__in` finds, with one SQL parameter whatever
the number of ids, on primary keys and foreign keys, scoped as any filter; usable in a
prebuilt read."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet

from zomanc.conftest import Personas
from zomanc.core.lookups import ids_text
from zomanc.core.prebuilt import prebuilt
from zomanc.practices.models import StaffMember


@prebuilt
def _members_of(practice_id: int, user_ids: str) -> QuerySet[Any]:
    return (
        StaffMember.objects.filter(practice_id=practice_id, user_id__in_ids=user_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_finds_what_in_finds_with_one_parameter(personas: Personas) -> None:
    everyone = list(StaffMember.objects.order_by("pk"))
    assert len(everyone) >= 4  # both practices' staff
    some = [m.pk for m in everyone[::2]] + [10**9]  # an id nobody has
    found = StaffMember.objects.filter(pk__in_ids=ids_text(some)).order_by("pk")
    assert list(found) == list(StaffMember.objects.filter(pk__in=some).order_by("pk"))
    assert list(found) == everyone[::2]
    # One parameter, the ids' text: not one placeholder each.
    _, params = found.query.get_compiler(connection=connection).as_sql()
    assert list(params) == [ids_text(some)]


@pytest.mark.django_db
def test_on_a_foreign_key_and_scoped_by_the_rest_of_the_filter(personas: Personas) -> None:
    a, b = personas.practice_a, personas.practice_b
    users = list(StaffMember.objects.values_list("user_id", flat=True))
    text = ids_text(users)
    of_a = set(StaffMember.objects.filter(practice=a, user_id__in_ids=text))
    assert of_a == set(StaffMember.objects.filter(practice=a))
    assert all(m.practice_id == a.pk for m in of_a)
    assert set(StaffMember.objects.filter(practice=b, user_id__in_ids=text)).isdisjoint(of_a)


@pytest.mark.django_db
def test_no_ids_find_nothing(personas: Personas) -> None:
    assert ids_text([]) == ""
    assert list(StaffMember.objects.filter(pk__in_ids="")) == []


@pytest.mark.django_db
def test_a_prebuilt_read_takes_the_ids_as_its_text_parameter(personas: Personas) -> None:
    a = personas.practice_a
    members = list(StaffMember.objects.filter(practice=a).order_by("pk"))
    first = _members_of(practice_id=a.pk, user_ids=ids_text([members[0].user_id]))
    assert first == [members[0].pk]
    both = _members_of(practice_id=a.pk, user_ids=ids_text([m.user_id for m in members[:2]]))
    assert both == [m.pk for m in members[:2]]  # the same SQL, the call's own ids
    # Another practice's users through practice A's read: nothing.
    b_users = ids_text(
        StaffMember.objects.filter(practice=personas.practice_b).values_list("user_id", flat=True)
    )
    assert _members_of(practice_id=a.pk, user_ids=b_users) == []


def test_only_ints_become_ids() -> None:
    assert ids_text([3, 12, 7]) == "3,12,7"
    for bad in (["3"], [None], [3.0], [True]):
        with pytest.raises(TypeError):
            ids_text(bad)  # type: ignore[arg-type]


@pytest.mark.django_db
def test_a_list_is_refused_not_bound_as_an_array() -> None:
    with pytest.raises(TypeError):
        list(StaffMember.objects.filter(pk__in_ids=[1, 2]))
