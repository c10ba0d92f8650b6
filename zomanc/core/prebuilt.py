"""Reads whose SQL Django builds once per database connection instead of once per call.

Why: on these machines Django spends ≈ 0.3–0.9 ms of CPU *building* a query (resolving
lookups, joins, columns — `as_sql`) and ≈ 0.02 ms having SQLite or PostgreSQL run it
(docs/benchmarks.md, "Prebuilt reads"). A read that runs on every page, or for every row the
EESZT worker delivers, pays that again and again for the same SQL with other parameters.
Issue 18 asks every page to stay within five times a bare request; these reads are most of
what stands in the way.

A prebuilt read is written as an ordinary QuerySet in a function of typed, scalar
parameters, so its tenant scope and columns stay in the ORM where they are reviewed:

    @prebuilt
    def _sessions(practice_id: int, member_id: int, now: dt.datetime) -> QuerySet[Any]:
        return EesztSession.objects.filter(practice_id=practice_id, ...).values_list(...)

    rows = _sessions(practice_id=1, member_id=2, now=timezone.now())  # a list

The first call on a connection builds the QuerySet twice with two sets of stand-in values
and keeps the SQL; each later call runs that SQL with the real values, and Django's own
iterable turns the rows into tuples or model instances (converters, select_related) as for
any QuerySet. What cannot be prebuilt is refused when it is first built, not guessed:
- a parameter must be an `int`, `str`, `datetime` or `date` (a bool or a list changes the
  SQL's shape, not only its values: build one read per shape instead);
- the two builds must give the same SQL, and every value in it that is not a parameter
  must be the same in both (a `timezone.now()` or a setting read inside the function would
  otherwise be frozen into every later call);
- every parameter must reach the SQL.
The result is a list, never a QuerySet: chaining onto it would silently run the old SQL.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import inspect
import typing
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet
from django.db.transaction import TransactionManagementError

_KINDS: tuple[type, ...] = (int, str, dt.datetime, dt.date)


class NotPrebuildable(TypeError):
    """The QuerySet's SQL depends on more than the values of its parameters."""


def _stand_in(kind: type, salt: int, position: int) -> Any:
    """A value no real call uses, different for each parameter and each of the two builds."""
    n = 1000 * salt + position
    if kind is int:
        return -7_340_000_000 - n
    if kind is str:
        # LIKE's special characters in it: a lookup that escapes or wraps the value (iexact,
        # contains) sends something else, and is refused instead of losing its escaping.
        return f"\x1f%_\\prebuilt-{n}\x1f"
    if kind is dt.datetime:
        return dt.datetime(1901, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=n)
    return dt.date(1901, 1, 1) + dt.timedelta(days=n)


def _adapted(connection: BaseDatabaseWrapper, kind: type, value: Any) -> Any:
    """The value as Django passes it to the database driver for a comparison with a field
    of its kind (SQLite receives datetimes and dates as text, in UTC)."""
    if kind is dt.datetime:
        return connection.ops.adapt_datetimefield_value(value)
    if kind is dt.date:
        return connection.ops.adapt_datefield_value(value)
    return value


@dataclass(frozen=True)
class _Param:
    """A place in the SQL's parameters filled by the call's value of `name` (anything else
    in `_Built.slots` is a fixed value, whatever its type)."""

    name: str


class _Built:
    """One read's SQL on one connection: the compiler of its first build (which knows how to
    turn rows into results) and, for each SQL parameter, a parameter name or a fixed value."""

    def __init__(self, queryset: QuerySet[Any], compiler: Any, sql: str, slots: list[Any]):
        self.queryset = queryset
        self.compiler = compiler
        self.sql = sql
        self.slots = slots  # a _Param, else the fixed value itself

    def run(self, connection: BaseDatabaseWrapper, values: dict[str, Any]) -> list[Any]:
        if self.queryset.query.select_for_update and connection.get_autocommit():
            # What Django's as_sql checks, skipped with it.
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        params = tuple(
            values[slot.name] if isinstance(slot, _Param) else slot for slot in self.slots
        )
        compiler = copy.copy(self.compiler)
        sql = self.sql
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        queryset = self.queryset.all()  # a fresh clone: nothing evaluated, nothing shared
        queryset.query.get_compiler = lambda *args, **kwargs: compiler  # type: ignore[method-assign]
        return list(queryset)


class Prebuilt:
    def __init__(self, build: Callable[..., QuerySet[Any]]):
        self.build = build
        hints = typing.get_type_hints(build)
        self.kinds: dict[str, type] = {}
        for name in inspect.signature(build).parameters:
            kind = hints.get(name)
            if kind not in _KINDS:
                raise NotPrebuildable(
                    f"{build.__qualname__}: parameter {name!r} is {kind!r}; "
                    "a prebuilt read takes int, str, datetime or date"
                )
            self.kinds[name] = kind
        self._built: weakref.WeakKeyDictionary[BaseDatabaseWrapper, _Built] = (
            weakref.WeakKeyDictionary()
        )
        functools.update_wrapper(self, build)

    def _compile(self, connection: BaseDatabaseWrapper, salt: int) -> tuple[Any, ...]:
        stand_ins = {
            name: _stand_in(kind, salt, i) for i, (name, kind) in enumerate(self.kinds.items())
        }
        queryset = self.build(**stand_ins)
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        by_value = {
            _adapted(connection, self.kinds[name], value): name for name, value in stand_ins.items()
        }
        slots = [_Param(by_value[p]) if _hashable(p) and p in by_value else p for p in params]
        return queryset, compiler, sql, slots

    def _for(self, connection: BaseDatabaseWrapper) -> _Built:
        built = self._built.get(connection)
        if built is None:
            queryset, compiler, sql, slots = self._compile(connection, 1)
            _, _, sql_2, slots_2 = self._compile(connection, 2)
            name = self.build.__qualname__
            if sql != sql_2 or slots != slots_2:
                raise NotPrebuildable(
                    f"{name}: its SQL or a value in it changes with more than its parameters"
                )
            missing = set(self.kinds) - {s.name for s in slots if isinstance(s, _Param)}
            if missing:
                raise NotPrebuildable(f"{name}: parameters not in its SQL: {sorted(missing)}")
            built = _Built(queryset, compiler, sql, slots)
            self._built[connection] = built
        return built

    def __call__(self, **values: Any) -> list[Any]:
        if values.keys() != self.kinds.keys():
            raise TypeError(f"{self.build.__qualname__} takes {sorted(self.kinds)}")
        connection = connections[DEFAULT_DB_ALIAS]
        adapted = {
            name: _adapted(connection, self.kinds[name], value) for name, value in values.items()
        }
        return self._for(connection).run(connection, adapted)


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def prebuilt(build: Callable[..., QuerySet[Any]]) -> Prebuilt:
    """The decorator: see the module's docstring."""
    return Prebuilt(build)
