"""Turning names into the accent-free search key and a typed query into a search plan.

Kept apart from selectors so the services (which keep Patient.search_name up to date) and the
selectors (which query it) agree on one normalisation."""

import datetime
import re
import unicodedata
from dataclasses import dataclass

_NOT_KEY = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")
_DATE = re.compile(r"^(\d{4})[-.]\s*(\d{1,2})[-.]\s*(\d{1,2})\.?$")
_ID_SEPARATORS = re.compile(r"[\s\-<]+")


def search_key(text: str) -> str:
    """Lower case, accents stripped (Kovács → kovacs, Győző → gyozo), only a–z, 0–9 and single
    spaces. ASCII only, so the key sorts the same under any database collation."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    stripped = stripped.replace("-", " ")
    return _SPACES.sub(" ", _NOT_KEY.sub("", stripped)).strip()


def patient_search_name(family_name: str, given_name: str) -> str:
    return search_key(f"{family_name} {given_name}")


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string that starts with `prefix` (ASCII keys):
    `kov` → `kow`. Together with `>= prefix` it is a range any b-tree index can serve."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


@dataclass(frozen=True)
class SearchPlan:
    kind: str  # "all" | "name" | "identifier" | "birth_date"
    name_prefix: str = ""
    identifier_prefix: str = ""
    birth_date: datetime.date | None = None


def search_plan(query: str) -> SearchPlan:
    """What the user typed decides the search: a date (1980-05-17, 1980.05.17.) searches birth
    dates, anything with a digit searches identifiers (TAJ with or without spaces, passport
    numbers), the rest searches name prefixes."""
    text = (query or "").strip()
    if not text:
        return SearchPlan("all")
    match = _DATE.match(text)
    if match:
        try:
            day = datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            day = None
        if day is not None:
            return SearchPlan("birth_date", birth_date=day)
    if any(c.isdigit() for c in text):
        compact = "".join(c for c in _ID_SEPARATORS.sub("", text).upper() if c.isalnum())
        compact = "".join(c for c in compact if c.isascii())
        if compact:
            return SearchPlan("identifier", identifier_prefix=compact)
    key = search_key(text)
    if not key:
        return SearchPlan("all")
    return SearchPlan("name", name_prefix=key)
