"""Prebuilt reads (zomanc/core/prebuilt.py): the same answers as the QuerySet they are written
as, with each call's own values, one build per connection, and a refusal for whatever
would otherwise be frozen into the SQL."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from zomanc.accounts.models import LoginThrottle
from zomanc.conftest import Personas
from zomanc.core.prebuilt import NotPrebuildable, prebuilt
from zomanc.practices.models import StaffMember


def _members(practice_id: int, created_after: dt.datetime) -> QuerySet[Any]:
    return (
        StaffMember.objects.filter(practice_id=practice_id, created_at__gt=created_after)
        .order_by("display_name")
        .values_list("pk", "display_name", "created_at", "user__email")
    )


members = prebuilt(_members)


@prebuilt
def member_with_user(practice_id: int, name: str) -> QuerySet[Any]:
    return StaffMember.objects.select_related("user", "practice").filter(
        practice_id=practice_id, display_name=name
    )


@prebuilt
def member_names(practice_id: int) -> QuerySet[Any]:
    return StaffMember.objects.filter(practice_id=practice_id).values_list(
        "display_name", flat=True
    )


@prebuilt
def member_to_lock(member_id: int) -> QuerySet[Any]:
    return StaffMember.objects.select_for_update().filter(pk=member_id)


@pytest.mark.django_db
def test_answers_as_the_queryset_with_each_calls_values(personas: Personas) -> None:
    long_ago = timezone.now() - dt.timedelta(days=1)
    for practice in (personas.practice_a, personas.practice_b):  # the values are not frozen
        expected = list(_members(practice.pk, long_ago))
        assert expected  # both practices have members
        got = members(practice_id=practice.pk, created_after=long_ago)
        assert got == expected
        # datetimes come back aware, as from the QuerySet (SQLite stores text)
        assert all(timezone.is_aware(row[2]) for row in got)
    assert members(practice_id=personas.practice_a.pk, created_after=timezone.now()) == []


@pytest.mark.django_db
def test_model_instances_with_select_related_and_flat_lists(personas: Personas) -> None:
    (member,) = member_with_user(practice_id=personas.practice_a.pk, name="Dr. Fog Ferenc")
    assert member == personas.doctor
    with CaptureQueriesContext(connection) as queries:
        assert member.user.email == "fogorvos@mosoly.test"
        assert member.practice == personas.practice_a
    assert len(queries) == 0  # select_related filled them
    assert member_with_user(practice_id=personas.practice_b.pk, name="Dr. Fog Ferenc") == []
    assert sorted(member_names(practice_id=personas.practice_b.pk)) == [
        "Dr. Bé Béla",
        "Dr. Külső Károly",
    ]


@pytest.mark.django_db
def test_sql_built_once_per_connection(personas: Personas, monkeypatch: Any) -> None:
    builds = []
    original = _members

    def counting(practice_id: int, created_after: dt.datetime) -> QuerySet[Any]:
        builds.append(1)
        return original(practice_id, created_after)

    read = prebuilt(counting)
    now = timezone.now()
    for _ in range(5):
        read(practice_id=personas.practice_a.pk, created_after=now)
    assert len(builds) == 2  # the two builds of the first call, none after
    with CaptureQueriesContext(connection) as queries:
        read(practice_id=personas.practice_a.pk, created_after=now)
    assert len(queries) == 1


@pytest.mark.django_db(transaction=True)
def test_another_thread_builds_on_its_own_connection(personas: Personas) -> None:
    long_ago = timezone.now() - dt.timedelta(days=1)
    members(practice_id=personas.practice_a.pk, created_after=long_ago)
    answers: list[Any] = []

    def other() -> None:
        try:
            answers.append(members(practice_id=personas.practice_b.pk, created_after=long_ago))
        finally:
            connection.close()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert [row[1] for row in answers[0]] == ["Dr. Bé Béla", "Dr. Külső Károly"]


def test_a_value_frozen_into_the_sql_is_refused(db: None) -> None:
    @prebuilt
    def frozen_now(practice_id: int) -> QuerySet[Any]:
        # timezone.now() here would be the first call's time in every later call
        return StaffMember.objects.filter(practice_id=practice_id, created_at__lt=timezone.now())

    with pytest.raises(NotPrebuildable, match="changes with more than its parameters"):
        frozen_now(practice_id=1)


def test_a_parameter_that_is_not_a_plain_value_of_the_sql_is_refused(db: None) -> None:
    @prebuilt
    def unused(practice_id: int, name: str) -> QuerySet[Any]:
        return StaffMember.objects.filter(practice_id=practice_id)

    with pytest.raises(NotPrebuildable, match="not in its SQL"):
        unused(practice_id=1, name="x")

    @prebuilt
    def transformed(key: str) -> QuerySet[Any]:
        # contains sends the value escaped and wrapped in %: not the parameter itself
        return LoginThrottle.objects.filter(key__contains=key)

    with pytest.raises(NotPrebuildable):
        transformed(key="x")


def test_shape_changing_parameters_are_refused_at_definition() -> None:
    with pytest.raises(NotPrebuildable, match="'active' is <class 'bool'>"):

        @prebuilt
        def by_flag(active: bool) -> QuerySet[Any]:
            return StaffMember.objects.filter(is_active=active)

    with pytest.raises(NotPrebuildable, match="'ids' is list"):

        @prebuilt
        def by_ids(ids: list[int]) -> QuerySet[Any]:
            return StaffMember.objects.filter(pk__in=ids)


@pytest.mark.django_db
def test_wrong_arguments_are_refused(personas: Personas) -> None:
    with pytest.raises(TypeError, match="takes"):
        member_names(practice=personas.practice_a.pk)


@pytest.mark.django_db(transaction=True)
def test_select_for_update_still_needs_a_transaction(personas: Personas) -> None:
    with transaction.atomic():
        assert member_to_lock(member_id=personas.doctor.pk) == [personas.doctor]
    with pytest.raises(TransactionManagementError):
        member_to_lock(member_id=personas.doctor.pk)
