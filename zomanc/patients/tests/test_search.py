import datetime

import pytest

from zomanc.patients.search import prefix_upper_bound, search_key, search_plan


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Kovács Anna", "kovacs anna"),
        ("Győző ŐRSI-Ürmös", "gyozo orsi urmos"),
        ("  Dr.  Nagy   Ádám  ", "dr nagy adam"),
        ("Tóth-Müller Éva", "toth muller eva"),
    ],
)
def test_search_key_strips_accents_and_case(text: str, key: str) -> None:
    assert search_key(text) == key


def test_prefix_upper_bound() -> None:
    assert prefix_upper_bound("kov") == "kow"
    assert prefix_upper_bound("kovacs ") == "kovacs!"


@pytest.mark.parametrize("text", ["1980-05-17", "1980.05.17.", "1980.05.17", "1980. 05. 17."])
def test_date_queries(text: str) -> None:
    plan = search_plan(text)
    assert plan.kind == "birth_date"
    assert plan.birth_date == datetime.date(1980, 5, 17)


@pytest.mark.parametrize("text", ["123 456 788", "123-456-788", "123456788"])
def test_taj_queries_with_or_without_spaces(text: str) -> None:
    plan = search_plan(text)
    assert plan.kind == "identifier"
    assert plan.identifier_prefix == "123456788"


def test_name_query_is_normalised() -> None:
    plan = search_plan("Kovács A")
    assert plan.kind == "name"
    assert plan.name_prefix == "kovacs a"


def test_impossible_date_is_not_a_date_search() -> None:
    assert search_plan("1980.02.30.").kind == "identifier"


def test_empty_and_punctuation_only_list_all() -> None:
    assert search_plan("").kind == "all"
    assert search_plan(" .,; ").kind == "all"
