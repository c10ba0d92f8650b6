import datetime
import random

import pytest
from django.db import connection
from django.http import Http404

from zomanc.codes.validators import taj_generate
from zomanc.conftest import Personas
from zomanc.patients.models import IdType, Patient
from zomanc.patients.selectors import access_patient, patient_search, patient_search_queryset
from zomanc.patients.tests.factories import make_patient


@pytest.fixture
def names(personas: Personas) -> None:
    make_patient(
        personas.receptionist, family_name="Kovács", given_name="Anna", id_value="123456788"
    )
    make_patient(personas.receptionist, family_name="Kovacsics", given_name="Béla")
    make_patient(personas.receptionist, family_name="Kővári", given_name="Ödön")
    make_patient(
        personas.receptionist,
        family_name="Nagy",
        given_name="Éva",
        birth_date=datetime.date(1975, 1, 2),
        id_type=IdType.UNKNOWN,
        id_value="",
    )
    # Another practice's Kovács must never show up in practice A's search.
    make_patient(personas.outsider, family_name="Kovács", given_name="Külső")


def _names(personas: Personas, query: str) -> list[str]:
    return [str(p) for p in patient_search(practice=personas.practice_a, query=query).items]


def test_name_prefix_accent_insensitive(personas: Personas, names: None) -> None:
    assert _names(personas, "kovacs") == ["Kovács Anna", "Kovacsics Béla"]
    assert _names(personas, "KOVÁCS A") == ["Kovács Anna"]
    assert _names(personas, "kov") == ["Kovács Anna", "Kovacsics Béla", "Kővári Ödön"]
    assert _names(personas, "nagy eva") == ["Nagy Éva"]
    assert _names(personas, "xyz") == []


def test_taj_with_or_without_spaces(personas: Personas, names: None) -> None:
    assert _names(personas, "123 456 788") == ["Kovács Anna"]
    assert _names(personas, "123456788") == ["Kovács Anna"]
    assert _names(personas, "123-456") == ["Kovács Anna"]


def test_birth_date_formats(personas: Personas, names: None) -> None:
    assert _names(personas, "1975-01-02") == ["Nagy Éva"]
    assert _names(personas, "1975.01.02.") == ["Nagy Éva"]


def test_empty_query_lists_own_practice_only(personas: Personas, names: None) -> None:
    assert len(_names(personas, "")) == 4


def test_pagination(personas: Personas, names: None) -> None:
    first = patient_search(practice=personas.practice_a, query="", page=1, page_size=3)
    assert len(first.items) == 3 and first.has_next and not first.has_previous
    second = patient_search(practice=personas.practice_a, query="", page=2, page_size=3)
    assert [str(p) for p in second.items] == ["Nagy Éva"]
    assert not second.has_next and second.has_previous
    clamped = patient_search(practice=personas.practice_a, query="", page=0, page_size=3)
    assert clamped.page == 1


def test_access_patient_hides_other_practice(personas: Personas) -> None:
    own = make_patient(personas.receptionist)
    other = make_patient(personas.outsider)
    assert access_patient(personas.doctor, own.pk) == own
    with pytest.raises(Http404):
        access_patient(personas.doctor, other.pk)


@pytest.mark.parametrize(
    ("query", "index"),
    [("kovacs", "patient_search_name"), ("123456", "patient_id_value")],
)
def test_search_plan_uses_practice_first_index(
    personas: Personas, names: None, query: str, index: str
) -> None:
    """The prefix search is a range on an index that starts with practice, so it stays an
    index search at a million patients. PostgreSQL plans by statistics, so it gets a few
    thousand analysed rows and sequential scans off: the question is which index serves
    the range, not whether a tiny table is cheaper to read whole."""
    qs = patient_search_queryset(personas.practice_a, query)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            _fill_and_analyze(personas)
        plan = qs.explain()
        assert index in plan, plan
        index_cond = next(line for line in plan.splitlines() if "Index Cond" in line)
        assert "practice_id" in index_cond and ">=" in index_cond, plan
    else:
        plan = qs.explain()
        assert f"SEARCH patients_patient USING INDEX {index}" in plan, plan
        assert "practice_id=?" in plan and ">?" in plan, plan


@pytest.mark.parametrize("query", ["1980.05.17.", "kovacs"])
def test_search_pages_come_out_of_the_index_in_order(
    personas: Personas, names: None, query: str
) -> None:
    """The list's order (search_name, id) follows the index's columns after the searched
    one, so a page stops after its 25 rows instead of sorting all that match — a birth date
    matches 27 patients a day at a million, a common prefix thousands (docs/benchmarks.md)."""
    qs = patient_search_queryset(personas.practice_a, query)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            _fill_and_analyze(personas)
        plan = qs.explain()
        assert "Index Scan" in plan and "Sort" not in plan, plan
    else:
        plan = qs.explain()
        assert "USING INDEX" in plan and "TEMP B-TREE" not in plan, plan


def _fill_and_analyze(personas: Personas) -> None:
    rng = random.Random(7)
    letters = "abcdefghijklmnopqrstuvwxyz"
    Patient.objects.bulk_create(
        Patient(
            practice=personas.practice_a,
            family_name="x",
            given_name="y",
            sex="U",
            birth_date=datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(20000)),
            id_type=IdType.TAJ,
            id_value=taj_generate(rng),
            search_name="".join(rng.choice(letters) for _ in range(12)),
        )
        for _ in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE patients_patient")
