"""The delivery's hot statements, written as SQL instead of built by the ORM per row.

Why: a delivered row ran ≈ 10.7 statements, and Django building each one (filter
resolution, `as_sql`, query clones) cost 0.5–0.9 ms of CPU — more than the database
executing it and more than the SOAP call on our side (docs/benchmarks.md, "EESZT worker",
sessions 6–8). These statements have a fixed shape, so their SQL is written here once,
with table and column names from the models' `_meta` (SQLite and PostgreSQL alike), and
values adapted by the model fields as the ORM would. Each says which ORM statement it
stands for; the locking is the same statement for statement (services.py)."""

import datetime as dt
import json
from functools import cache, lru_cache
from typing import Any

from django.db import connection
from django.db.models import Field, Model

from zomanc.eeszt.models import CertificateStatus, EesztCertificate, EesztSession
from zomanc.eeszt.outbox.models import NON_BLOCKING_KINDS, OutboxItem, OutboxKind, OutboxState
from zomanc.practices.models import Company, OrgUnit, StaffMember


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _table(model: type[Model]) -> str:
    return _q(model._meta.db_table)


def _field(model: type[Model], name: str) -> "Field[Any, Any]":
    field = model._meta.get_field(name)
    assert isinstance(field, Field)  # a concrete column, not a reverse relation
    return field


def _col(model: type[Model], field: str, alias: str = "") -> str:
    column = _field(model, field).column
    assert column is not None  # every field named here has a column
    column = _q(column)
    return f"{alias}.{column}" if alias else column


def _prep(model: type[Model], field: str, value: Any) -> Any:
    # What the ORM sends for this value (datetimes for SQLite, JSON as the backend wants).
    return _field(model, field).get_db_prep_save(value, connection)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """A datetime column as the ORM returns it: SQLite gives naive values in the
    connection's time zone (UTC), PostgreSQL aware ones."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=connection.timezone)


# The parameters of `_unpassed`'s condition, in its order.
_UNPASSED = [str(OutboxState.SENT), str(OutboxState.REFUSED), *map(str, NON_BLOCKING_KINDS)]


def _unpassed(alias: str) -> str:
    """`~PASSED` of services.py: neither sent nor a refusal that does not hold the visit.
    (state and kind are NOT NULL, so NOT (…) is what the ORM's exclude() writes too.)"""
    kinds = ", ".join(["%s"] * len(NON_BLOCKING_KINDS))
    state, kind = _col(OutboxItem, "state", alias), _col(OutboxItem, "kind", alias)
    return f"NOT ({state} = %s OR ({state} = %s AND {kind} IN ({kinds})))"


# Each statement's SQL is built once per database vendor (quoting, FOR UPDATE): building
# it per call was ≈ 0.2 ms of CPU a row again (profile, session 8).
@cache
def _peek_sql(vendor: str) -> str:
    t = OutboxItem
    columns = ", ".join(_col(t, f, "o") for f in _PEEK_FIELDS)
    # EXISTS an unpassed earlier row of the same visit (the ORM's `_not_now` query).
    behind = (
        f"EXISTS (SELECT 1 FROM {_table(t)} e"  # noqa: S608 - names from _meta, values as parameters
        f" WHERE {_col(t, 'practice', 'e')} = {_col(t, 'practice', 'o')}"
        f" AND {_col(t, 'visit', 'e')} = {_col(t, 'visit', 'o')}"
        f" AND {_col(t, 'seq', 'e')} < {_col(t, 'seq', 'o')}"
        f" AND {_unpassed('e')})"
    )
    return f"SELECT {columns}, {behind} FROM {_table(t)} o WHERE {_col(t, 'id', 'o')} = %s"  # noqa: S608 - names from _meta, values as parameters


_PEEK_FIELDS = ("state", "lease_until", "next_attempt_at")


def outbox_peek(item_id: int) -> tuple[str, dt.datetime | None, dt.datetime | None, bool] | None:
    """The claim's look without locks: (state, lease_until, next_attempt_at, behind an
    unpassed earlier row?) — one statement for what was the `.only()` peek and the
    `.exists()` of `_not_now` (measured: 0.55–0.68 ms of CPU built by the ORM)."""
    with connection.cursor() as cursor:
        cursor.execute(_peek_sql(connection.vendor), [*_UNPASSED, item_id])
        row = cursor.fetchone()
    if row is None:
        return None
    return str(row[0]), _aware(row[1]), _aware(row[2]), bool(row[3])


# The whole row (the locked row, the visit's next row: both are sent) as the ORM's model
# instance, without `raw()`: a RawQuerySet resolves its columns against the model and
# builds its converters on every query — as much CPU as the statement itself on PostgreSQL
# (profile, session 9). Here both are worked out once: the concrete fields in their order,
# and each one's converters exactly as the ORM's compiler asks for them (the backend's,
# e.g. SQLite's datetimes, then the field's, e.g. JSONField's decoding).
@cache
def _whole_columns(vendor: str) -> str:
    return ", ".join(_col(OutboxItem, f.name, "o") for f in OutboxItem._meta.concrete_fields)


# Per connection's operations (a backend's converters are its bound methods): one a worker
# thread, a handful in a process.
@lru_cache(maxsize=64)
def _whole_reader(ops: Any) -> tuple[list[str], list[tuple[int, list[Any], Any]]]:
    fields = OutboxItem._meta.concrete_fields
    converters = []
    for i, field in enumerate(fields):
        col = field.get_col(OutboxItem._meta.db_table)
        found = ops.get_db_converters(col) + col.get_db_converters(ops.connection)
        if found:
            converters.append((i, found, col))
    return [f.attname for f in fields], converters


def _fetch(sql: str, params: list[Any]) -> tuple[Any, ...] | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row: tuple[Any, ...] | None = cursor.fetchone()
        return row


def _item(row: tuple[Any, ...]) -> OutboxItem:
    """The row's first columns (`_whole_columns`) as the ORM's instance."""
    attnames, converters = _whole_reader(connection.ops)
    values = list(row[: len(attnames)])
    for i, found, col in converters:
        value = values[i]
        for convert in found:
            value = convert(value, col, connection)
        values[i] = value
    return OutboxItem.from_db(connection.alias, attnames, values)


def _whole_row(sql: str, params: list[Any]) -> OutboxItem | None:
    row = _fetch(sql, params)
    return None if row is None else _item(row)


def outbox_locked(item_id: int) -> OutboxItem | None:
    """`_locked`'s row, whole, with its company, org unit and doctor — what a delivery reads
    of them (the call context, the doctor's role and name); whatever else of them code reads
    later is loaded on first use, as for any deferred field. Locked with
    `select_for_update(skip_locked=True, of=("self",))` where the backend has it
    (PostgreSQL: another worker holding the row is delivering it; the three joined rows are
    not locked, as `of=("self",)` left them), a plain read on SQLite (its IMMEDIATE
    transactions serialise writers) — as before. One statement: the sender's three rows
    were a second one, and a `select_related` built by the ORM cost ≈ 1.1 ms of CPU, the
    claim's dearest statement (docs/benchmarks.md, sessions 8 and 10)."""
    row = _fetch(_locked_sql(connection.vendor), [item_id])
    if row is None:
        return None
    item = _item(row)
    db = connection.alias
    start = len(OutboxItem._meta.concrete_fields)
    end_c, end_u = start + len(_COMPANY), start + len(_COMPANY) + len(_UNIT)
    item.company = Company.from_db(db, _attnames(Company, _COMPANY), row[start:end_c])
    item.org_unit = OrgUnit.from_db(db, _attnames(OrgUnit, _UNIT), row[end_c:end_u])
    item.responsible = StaffMember.from_db(db, _attnames(StaffMember, _MEMBER), row[end_u:])
    return item


@cache
def _locked_sql(vendor: str) -> str:
    t, c, u, m = OutboxItem, Company, OrgUnit, StaffMember
    sender = ", ".join(
        [_col(c, f, "c") for f in _COMPANY]
        + [_col(u, f, "u") for f in _UNIT]
        + [_col(m, f, "m") for f in _MEMBER]
    )
    # Inner joins: the three foreign keys are NOT NULL and PROTECTed, so the row is found
    # exactly when it exists.
    sql = (
        f"SELECT {_whole_columns(vendor)}, {sender}"  # noqa: S608 - names from _meta, values as parameters
        f" FROM {_table(t)} o, {_table(c)} c, {_table(u)} u, {_table(m)} m"
        f" WHERE {_col(t, 'id', 'o')} = %s AND {_col(c, 'id', 'c')} = {_col(t, 'company', 'o')}"
        f" AND {_col(u, 'id', 'u')} = {_col(t, 'org_unit', 'o')}"
        f" AND {_col(m, 'id', 'm')} = {_col(t, 'responsible', 'o')}"
    )
    if connection.features.has_select_for_update_skip_locked:
        sql += " " + connection.ops.for_update_sql(skip_locked=True, of=("o",))
    return sql


_COMPANY = ("id", "practice", "institution_id")
_UNIT = ("id", "practice", "company", "code")
_MEMBER = ("id", "practice", "role", "display_name", "stamp_number")


@cache
def _attnames(model: type[Model], fields: tuple[str, ...]) -> list[str]:
    return [_field(model, f).attname for f in fields]


def outbox_behind(item: OutboxItem) -> bool:
    """`_not_now`'s "behind an unpassed earlier row of its visit?" for the locked row."""
    params: list[Any] = [item.practice_id, item.visit_id, item.seq, *_UNPASSED]
    with connection.cursor() as cursor:
        cursor.execute(_behind_sql(connection.vendor), params)
        return cursor.fetchone() is not None


@cache
def _behind_sql(vendor: str) -> str:
    t = OutboxItem
    return (
        f"SELECT 1 FROM {_table(t)} e WHERE {_col(t, 'practice', 'e')} = %s"  # noqa: S608 - names from _meta, values as parameters
        f" AND {_col(t, 'visit', 'e')} = %s AND {_col(t, 'seq', 'e')} < %s"
        f" AND {_unpassed('e')} LIMIT 1"
    )


def outbox_next_unpassed(item: OutboxItem) -> OutboxItem | None:
    """`_follow`'s look: the visit's first row after `item` that has not passed, whole (it
    is sent next), as `_whole_row` makes it."""
    params: list[Any] = [item.practice_id, item.visit_id, item.seq, *_UNPASSED]
    return _whole_row(_next_sql(connection.vendor), params)


@cache
def _next_sql(vendor: str) -> str:
    t = OutboxItem
    return (
        f"SELECT {_whole_columns(vendor)} FROM {_table(t)} o"  # noqa: S608 - names from _meta, values as parameters
        f" WHERE {_col(t, 'practice', 'o')} = %s"
        f" AND {_col(t, 'visit', 'o')} = %s AND {_col(t, 'seq', 'o')} > %s"
        f" AND {_unpassed('o')} ORDER BY {_col(t, 'seq', 'o')} LIMIT 1"
    )


def outbox_result_of_start(item: OutboxItem) -> dict[str, Any]:
    """`_event_id`'s look: the result of the visit's start row (exactly one, `.get()`)."""
    params: list[Any] = [item.practice_id, item.visit_id, str(OutboxKind.EVENT_START)]
    with connection.cursor() as cursor:
        cursor.execute(_start_result_sql(connection.vendor), params)
        rows = cursor.fetchall()
    if len(rows) != 1:
        raise OutboxItem.DoesNotExist if not rows else OutboxItem.MultipleObjectsReturned
    value = rows[0][0]
    result: dict[str, Any] = json.loads(value) if isinstance(value, str | bytes) else value
    return result


@cache
def _start_result_sql(vendor: str) -> str:
    t = OutboxItem
    return (
        f"SELECT {_col(t, 'result')} FROM {_table(t)} WHERE {_col(t, 'practice')} = %s"  # noqa: S608 - names from _meta, values as parameters
        f" AND {_col(t, 'visit')} = %s AND {_col(t, 'kind')} = %s"
    )


def outbox_update(item_id: int, values: dict[str, Any], **where: Any) -> int:
    """`OutboxItem.objects.filter(pk=item_id, **where).update(**values)` (or `save` with
    `update_fields` when `where` is empty): the rows changed. The conditional form is the
    delivery's "still ours" / "nobody took it first" check, as before."""
    t = OutboxItem
    params = [_prep(t, f, v) for f, v in values.items()]
    params += [item_id, *(_prep(t, f, v) for f, v in where.items())]
    with connection.cursor() as cursor:
        cursor.execute(_update_sql(connection.vendor, tuple(values), tuple(where)), params)
        return int(cursor.rowcount)


@cache
def _update_sql(vendor: str, fields: tuple[str, ...], where: tuple[str, ...]) -> str:
    t = OutboxItem
    sets = ", ".join(f"{_col(t, f)} = %s" for f in fields)
    conds = "".join(f" AND {_col(t, f)} = %s" for f in where)
    return f"UPDATE {_table(t)} SET {sets} WHERE {_col(t, 'id')} = %s{conds}"  # noqa: S608 - names from _meta, values as parameters


def eeszt_sender_ids(
    *, practice_id: int, company_id: int, member_id: int, now: dt.datetime
) -> tuple[tuple[int, str] | None, tuple[int, str] | None]:
    """(id, uid) of the company's active certificate and of the member's valid EESZT
    session for the company: the same choice as `_claim`'s certificate
    query (`.first()`: the lowest id) and `eeszt_session_active` (the newest). The worker
    keeps the instances it has loaded by (id, uid) — the uid, because a restored or
    rebuilt database reuses ids — so a claim reads their sealed secrets only when the
    certificate or the login has changed (measured: 0.89 + 0.71 ms a claim built by the
    ORM)."""
    cert_sql, session_sql = _sender_ids_sql(connection.vendor)
    now_param = _prep(EesztSession, "not_on_or_after", now)
    with connection.cursor() as cursor:
        cursor.execute(cert_sql, [practice_id, company_id, str(CertificateStatus.ACTIVE)])
        cert = cursor.fetchone()
        cursor.execute(session_sql, [practice_id, member_id, company_id, now_param])
        session = cursor.fetchone()
    return (
        (int(cert[0]), str(cert[1])) if cert else None,
        (int(session[0]), str(session[1])) if session else None,
    )


@cache
def _sender_ids_sql(vendor: str) -> tuple[str, str]:
    c, s = EesztCertificate, EesztSession
    cert = (
        f"SELECT {_col(c, 'id')}, {_col(c, 'uid')} FROM {_table(c)}"  # noqa: S608 - names from _meta, values as parameters
        f" WHERE {_col(c, 'practice')} = %s AND {_col(c, 'company')} = %s"
        f" AND {_col(c, 'status')} = %s ORDER BY {_col(c, 'id')} LIMIT 1"
    )
    session = (
        f"SELECT {_col(s, 'id')}, {_col(s, 'uid')} FROM {_table(s)}"  # noqa: S608 - names from _meta, values as parameters
        f" WHERE {_col(s, 'practice')} = %s AND {_col(s, 'member')} = %s"
        f" AND {_col(s, 'company')} = %s AND {_col(s, 'ended_at')} IS NULL"
        f" AND {_col(s, 'not_on_or_after')} > %s"
        f" ORDER BY {_col(s, 'created_at')} DESC LIMIT 1"
    )
    return cert, session
