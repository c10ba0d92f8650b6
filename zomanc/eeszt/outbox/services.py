"""Writing outbox rows (inside the clinical transaction) and delivering them (in workers).

Delivery of one row: claim it in a short transaction (state → sending, with a lease), make
the call outside any transaction (a network call must not hold database locks), record the
answer in a second short transaction. A worker killed in between leaves the row "sending"
with an expired lease: the next delivery sends it again with the same request id, and EESZT
answers the repeat with its first answer — nothing lost, nothing doubled.

A success claims the visit's next row in the same transaction and the task goes on with it
(the same connection, login and event id): a visit's start, close and Ambuláns lap take one
task, not three, and most of a row's cost was looking those up again (docs/benchmarks.md)."""

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Model, OuterRef, Q
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from zomanc.clinical.models import Visit, VisitRevision
from zomanc.eeszt.client import documents, ekat, referral
from zomanc.eeszt.client.cda import (
    AmbulatoryRecord,
    Line,
    Procedure,
    VersionRef,
    cda_ambulatory_record,
    oid_catalogue,
)
from zomanc.eeszt.client.errors import (
    EesztError,
    EesztLoginRequired,
    EesztRefused,
    EesztUnavailable,
)
from zomanc.eeszt.client.wire import CallContext, Connection
from zomanc.eeszt.context import (
    eeszt_call_context,
    eeszt_connection_for_certificate,
    eeszt_role_for,
)
from zomanc.eeszt.models import EesztCertificate, EesztSession, EesztSettings
from zomanc.eeszt.outbox.models import (
    FINAL_STATES,
    NON_BLOCKING_KINDS,
    OutboxItem,
    OutboxKind,
    OutboxState,
)
from zomanc.eeszt.outbox.statements import (
    eeszt_sender_ids,
    outbox_behind,
    outbox_locked,
    outbox_next_unpassed,
    outbox_peek,
    outbox_result_of_start,
    outbox_update,
)
from zomanc.eeszt.sessions import eeszt_session_active, eeszt_session_end
from zomanc.patients.models import IdType, Patient

logger = logging.getLogger(__name__)

# The patient identifiers EESZT accepts for reporting; OTHER/UNKNOWN patients are treated
# but not reported (S10).
WIRE_ID_TYPES = {IdType.TAJ: "TAJ", IdType.PASSPORT: "UTLEVEL", IdType.EU_CARD: "EU_KARTYA"}
DENTAL_SPECIALTY = "FOG"
CATCH_UP = dt.timedelta(days=4)
RETRY_MAX = dt.timedelta(minutes=15)


# --- writing rows ------------------------------------------------------------------------


def outbox_reportable(*, visit: Visit) -> bool:
    """A visit is reported when its company's module is on and the patient has an identifier
    EESZT accepts."""
    patient: Patient = visit.patient
    if patient.id_type not in WIRE_ID_TYPES or not patient.id_value:
        return False
    return EesztSettings.objects.filter(
        practice_id=visit.practice_id, company_id=visit.company_id, module_enabled=True
    ).exists()


def _client_id(visit: Visit) -> str:
    """Our id of the visit towards EESZT (also its case id): unique beyond this database —
    a restored backup or a rebuilt test database reuses primary keys, EESZT never forgets."""
    return f"{visit.practice_id}-{visit.pk}-{uuid.uuid4().hex[:12]}"


def _case_id(visit: Visit) -> str:
    """The submitter's case number of the visit's documents: the visit's eKAT client id."""
    start = (
        OutboxItem.objects.filter(
            practice_id=visit.practice_id, visit=visit, kind=OutboxKind.EVENT_START
        )
        .values_list("payload", flat=True)
        .first()
    )
    return str(start["client_visit_id"]) if start else _client_id(visit)


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


def _row(visit: Visit, kind: OutboxKind, payload: dict[str, Any]) -> OutboxItem:
    with transaction.atomic(savepoint=False):  # the caller's transaction, else its own
        # The visit's last row, locked: a worker recording its success updates that row
        # first, so either it commits before this look (the row has passed: this one is
        # woken here) or after this transaction (its look for the next row sees this one and
        # takes it on). Without the lock both could miss each other on PostgreSQL, leaving
        # the row to the sweeper. (SQLite serialises the two transactions anyway.)
        last = (
            OutboxItem.objects.select_for_update()
            .filter(practice_id=visit.practice_id, visit=visit)
            .order_by("-seq")
            .only("seq", "state", "kind")
            .first()
        )
        item = OutboxItem.objects.create(
            practice_id=visit.practice_id,
            company_id=visit.company_id,
            org_unit_id=visit.org_unit_id,
            visit=visit,
            patient_id=visit.patient_id,
            responsible_id=visit.doctor_id,
            kind=kind,
            seq=(last.seq if last else 0) + 1,
            payload=payload,
            deadline_at=timezone.now() + CATCH_UP,
        )
        # Behind a row that has not passed, this one needs no wake-up of its own: that row's
        # success takes it on (_follow). Its own would only find "behind an unsent row" —
        # one task in two of every visit did nothing (bench: docs/benchmarks.md).
        if last is None or _passes(last):
            _wake(item)
        return item


def _wake(item: OutboxItem, *, at: dt.datetime | None = None) -> None:
    _wake_id(item.pk, at=at)


def _wake_id(item_id: int, *, at: dt.datetime | None = None) -> None:
    wake = outbox_deliver_task.using(run_after=at) if at else outbox_deliver_task
    # Enqueued in the caller's transaction (django-ox writes the task row to the same
    # database): the task exists exactly when the row does.
    wake.enqueue(item_id=item_id)


def outbox_visit_opened(*, visit: Visit) -> OutboxItem | None:
    """Call inside visit_open's transaction: the eKAT "ellátás megkezdése" row."""
    if not outbox_reportable(visit=visit):
        return None
    patient: Patient = visit.patient
    return _row(
        visit,
        OutboxKind.EVENT_START,
        {
            "patient": {"idType": WIRE_ID_TYPES[IdType(patient.id_type)], "id": patient.id_value},
            "client_visit_id": _client_id(visit),
            "event_time": _iso(visit.started_at),
            "recorded_time": _iso(timezone.now()),
            "responsible_stamp": visit.doctor.stamp_number,
            "specialty": DENTAL_SPECIALTY,
            "referral_id": visit.referral_id or None,
        },
    )


def outbox_visit_closed(*, visit: Visit, revision: VisitRevision) -> list[OutboxItem]:
    """Call inside visit_close's transaction, with the revision it stored: the eKAT
    "lezárás" row and the Ambuláns lap built from that revision's content."""
    if not OutboxItem.objects.filter(
        practice_id=visit.practice_id, visit=visit, kind=OutboxKind.EVENT_START
    ).exists():
        # Opened while the module was off or without an identifier: nothing to close.
        return []
    assert visit.closed_at is not None
    diagnoses = list(visit.diagnoses.order_by("-is_primary", "pk").values_list("code", flat=True))
    procedures = [
        code for code in visit.procedures.order_by("pk").values_list("oeno_code", flat=True) if code
    ]
    close = _row(
        visit,
        OutboxKind.EVENT_CLOSE,
        {
            "end_time": _iso(visit.closed_at),
            "recorded_time": _iso(timezone.now()),
            "responsible_stamp": visit.doctor.stamp_number,
            "diagnoses": diagnoses,
            "procedures": procedures,
        },
    )
    # Behind the close written in this transaction: the close's success takes it on.
    document = _row(
        visit,
        OutboxKind.DOCUMENT_SUBMIT,
        _document_payload(visit, revision.content, created_at=visit.closed_at),
    )
    return [close, document]


def outbox_visit_corrected(*, visit: Visit, revision: VisitRevision) -> OutboxItem | None:
    """Call inside visit_correct's transaction: the Ambuláns lap's next version (S6)."""
    if not OutboxItem.objects.filter(
        practice_id=visit.practice_id, visit=visit, kind=OutboxKind.DOCUMENT_SUBMIT
    ).exists():
        return None
    return _row(
        visit,
        OutboxKind.DOCUMENT_VERSION,
        _document_payload(visit, revision.content, created_at=revision.created_at),
    )


def outbox_referral_use(*, visit: Visit, referral_id: str) -> OutboxItem:
    """S9: "ReferralUse" for the visit's eKAT event, delivered after the START row (whose
    event id it needs). Written in the caller's transaction, with the visit's referral."""
    return _row(visit, OutboxKind.REFERRAL_USE, {"referral_id": referral_id})


SECTION_TITLES = {
    "anamnesis": "Anamnézis",
    "status_text": "Státusz",
    "therapy": "Terápia / beavatkozás",
    "advice": "Javaslat",
}


# Every kind of patient identifier as the CDA names it: an identifier EESZT does not accept
# may still stand next to the one the visit was reported under (recordTarget has several).
CDA_ID_TYPES = {**WIRE_ID_TYPES, IdType.OTHER: "EGYEB", IdType.UNKNOWN: "ISMERETLEN"}


def _cda_id(id_type: str, value: str) -> tuple[str, str]:
    """(CDA id type, value) of a snapshot's identifier; an unknown or blank type is
    "ISMERETLEN" (a value without a known kind is no identifier anyone can check)."""
    try:
        kind = CDA_ID_TYPES[IdType(id_type)]
    except ValueError:
        kind = "ISMERETLEN"
    return kind, value if kind != "ISMERETLEN" else ""


def _document_payload(
    visit: Visit, snap: dict[str, Any], *, created_at: dt.datetime
) -> dict[str, Any]:
    """The Ambuláns lap of `snap` — the revision the clinical write has just stored (its
    content is visit_snapshot's; not built a second time) — frozen into the row: later
    corrections make new rows, they never change what this one sends.

    A later version is a new CDA document of the same set (setId = the client document id,
    versionNumber + 1, relatedDocument RPLC naming the version it replaces), sent under the
    same client document id, which is how EESZT chains versions."""
    p, company, unit = snap["patient"], snap["company"], snap["org_unit"]
    documents_so_far = list(
        OutboxItem.objects.filter(
            practice_id=visit.practice_id,
            visit=visit,
            kind__in=[OutboxKind.DOCUMENT_SUBMIT, OutboxKind.DOCUMENT_VERSION],
        )
        .order_by("seq")
        .values_list("payload", flat=True)
    )
    first = documents_so_far[0] if documents_so_far else None
    previous = documents_so_far[-1] if documents_so_far else None
    replaces: VersionRef | None = None
    if previous is not None:
        # Rows written before versions had ids of their own sent the set's id as the
        # document's id and the visit's revision as its version: name what was sent.
        replaces = VersionRef(
            document_id=previous.get("document_cda_id") or previous["client_document_id"],
            version=int(previous.get("version") or previous["revision"]),
        )
    version = replaces.version + 1 if replaces else 1
    client_document_id = first["client_document_id"] if first else f"AL-{_client_id(visit)}"
    # The patient as EESZT knows the visit's: the identifier its eKAT event was reported
    # under (the envelope and the event must agree), plus today's if it has changed since.
    start = (
        OutboxItem.objects.filter(
            practice_id=visit.practice_id, visit=visit, kind=OutboxKind.EVENT_START
        )
        .values_list("payload", flat=True)
        .first()
    )
    current = _cda_id(p["id_type"], p["id_value"])
    if start is not None:
        reported = (str(start["patient"]["idType"]), str(start["patient"]["id"]))
    elif current[0] in WIRE_ID_TYPES.values() and current[1]:
        reported = current
    else:
        raise ValueError("a visit whose patient EESZT does not know has no Ambuláns lap to send")
    created_at = created_at.replace(microsecond=0)
    # The practice's calendar day: a visit at 00:40 Budapest time is 23:40 UTC the day before.
    day = timezone.localdate(visit.started_at)
    record = AmbulatoryRecord(
        client_document_id=client_document_id,
        title=f"Ambuláns lap – fogászati ellátás ({day:%Y.%m.%d.})",
        created_at=created_at,
        patient_id_type=reported[0],
        patient_id=reported[1],
        other_ids=[current] if current != reported else [],
        patient_family=p["family_name"],
        patient_given=p["given_name"],
        patient_sex=p["sex"],
        patient_birth=dt.date.fromisoformat(p["birth_date"]),
        author_stamp=snap["doctor"]["stamp_number"],
        author_name=snap["doctor"]["name"],
        institution_id=company["institution_id"],
        institution_name=company["institution_name"],
        org_unit_id=unit["code"],
        org_unit_name=unit["name"],
        care_start=visit.started_at,
        care_end=visit.closed_at or created_at,
        sections=[(SECTION_TITLES[k], v) for k, v in snap["sections"].items() if v],
        diagnoses=[Line(d["code"], d["name"]) for d in snap["diagnoses"]],
        procedures=[
            Procedure(
                site=f"{x['tooth'] or ''}{' ' + x['surfaces'] if x['surfaces'] else ''}".strip(),
                text=x["name"],
                catalogue_code=str(x["treatment_id"]) if x.get("treatment_id") else "",
                national_code=x["oeno_code"] or "",
            )
            for x in snap["procedures"]
        ],
        catalogue_oid=oid_catalogue(visit.practice_id),
        referral=(snap["referral"] or {}).get("summary") or "",
        revision=version,
        replaces=replaces,
    )
    return {
        "patient": {"idType": reported[0], "id": reported[1]},
        "client_case_id": first["client_case_id"] if first else _case_id(visit),
        "client_document_id": client_document_id,
        # This version's own CDA id, and what it replaces (None for the first).
        "document_cda_id": record.document_id,
        "version": version,
        "replaces_cda_id": replaces.document_id if replaces else None,
        "title": record.title,
        "author_stamp": record.author_stamp,
        "created_at": _iso(created_at),
        "diagnoses": [d["code"] for d in snap["diagnoses"]],
        "procedures": [x["oeno_code"] for x in snap["procedures"] if x["oeno_code"]],
        "revision": visit.revision,
        "body": cda_ambulatory_record(record).decode("utf-8"),
    }


# --- delivering rows ---------------------------------------------------------------------


@dataclass
class _Claim:
    item: OutboxItem
    conn: Connection
    ctx: CallContext
    attempt: int
    # The visit's eKAT event id once this task has sent (or looked up) its start.
    event_id: str | None = None
    # How many rows this task has delivered before this one (CHAIN_MAX).
    chained: int = 0


# A task delivers at most this many rows of one visit, then hands the rest to a new task:
# a visit with many corrections must not hold a worker thread while other visits wait.
CHAIN_MAX = 8


def _lease() -> dt.timedelta:
    """How long a claimed row belongs to its worker (EESZT_OUTBOX_LEASE_SECONDS, 60 s): well
    above one call's timeout, so only a dead or stuck worker's row is sent again."""
    return dt.timedelta(seconds=settings.EESZT_OUTBOX_LEASE_SECONDS)


def _backoff(attempts: int, retry_after: int | None) -> dt.timedelta:
    """EESZT_OUTBOX_BACKOFF_SECONDS (5 s) doubled per attempt, capped at
    EESZT_OUTBOX_RETRY_MAX_SECONDS (15 min); never sooner than EESZT's Retry-After."""
    base = settings.EESZT_OUTBOX_BACKOFF_SECONDS
    cap = settings.EESZT_OUTBOX_RETRY_MAX_SECONDS
    delay = dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))
    if retry_after is not None:
        delay = max(delay, dt.timedelta(seconds=retry_after))
    return delay


def _locked(item_id: int) -> OutboxItem | None:
    # With what the call context needs (the visit itself is not: the payload is frozen), in
    # one statement written out (statements.py): the ORM building it cost more CPU than the
    # rest of the claim.
    return outbox_locked(item_id)


def _set_waiting(item: OutboxItem, state: OutboxState, code: str, message: str) -> None:
    item.state = state
    item.last_error_code = code
    item.last_error_message = message
    item.lease_until = None
    item.save(update_fields=["state", "last_error_code", "last_error_message", "lease_until"])


# Rows that no longer hold back the later rows of their visit.
PASSED = Q(state=OutboxState.SENT) | Q(state=OutboxState.REFUSED, kind__in=NON_BLOCKING_KINDS)


def _passes(item: OutboxItem) -> bool:
    return item.state == OutboxState.SENT or (
        item.state == OutboxState.REFUSED and item.kind in NON_BLOCKING_KINDS
    )


def _not_due(item: OutboxItem, now: dt.datetime) -> bool:
    return _not_due_at(item.state, item.lease_until, item.next_attempt_at, now)


def _not_due_at(
    state: str,
    lease_until: dt.datetime | None,
    next_attempt_at: dt.datetime | None,
    now: dt.datetime,
) -> bool:
    """Final, held by a live lease, or not due yet (its delayed wake-up waits for then)."""
    if state in FINAL_STATES:
        return True
    if state == OutboxState.SENDING and lease_until and lease_until > now:
        return True
    return bool(next_attempt_at and next_attempt_at > now)


def _not_now(item: OutboxItem, now: dt.datetime) -> bool:
    """Nothing to do for this row now: not due, or behind an unsent earlier row of its visit
    (that row's success wakes it)."""
    return _not_due(item, now) or outbox_behind(item)


# The worker's certificates and EESZT sessions as last loaded, by (id, uid): a claim checks
# which ones are current with two plain statements and reads a certificate's or a session's
# sealed secrets only when it has changed (statements.eeszt_sender_ids). A retired
# certificate or an ended/expired session is no longer current, so never used again.
_certificates: dict[tuple[int, str], EesztCertificate] = {}
_sessions: dict[tuple[int, str], EesztSession] = {}
_KEPT_MAX = 64  # a worker serves a handful of companies and doctors; beyond that, start over


def _kept[M: Model](
    kept: dict[tuple[int, str], M], key: tuple[int, str], load: Callable[[int], M]
) -> M:
    found = kept.get(key)
    if found is None:
        if len(kept) >= _KEPT_MAX:
            kept.clear()
        found = kept[key] = load(key[0])
    return found


def _certificate_load(pk: int) -> EesztCertificate:
    # The sealed key and password come with it.
    return EesztCertificate.objects.select_related("pkcs12_secret", "password_secret").get(pk=pk)


def _session_load(pk: int) -> EesztSession:
    # Its sealed assertion comes with it (as eeszt_session_active's).
    return EesztSession.objects.select_related("assertion_secret").get(pk=pk)


def _claim(item_id: int) -> _Claim | None:
    # A look without locks first. Many wake-ups find nothing to do (a row written behind its
    # unsent start, a repeated wake-up); turning them away here spares the write lock — on
    # SQLite the one writer slot that every worker thread and the clinical writes share. A
    # stale "nothing to do" is safe: whatever changes it enqueues a new wake-up.
    # One written statement (statements.outbox_peek): the row's state and "behind?".
    peek = outbox_peek(item_id)
    if peek is None:
        return None
    state, lease_until, next_attempt_at, behind = peek
    if behind or _not_due_at(state, lease_until, next_attempt_at, timezone.now()):
        return None
    with transaction.atomic():
        item = _locked(item_id)
        # The clock is read once the row is ours: on SQLite BEGIN IMMEDIATE may have waited
        # seconds for the write lock, and a stale "now" shortened the lease and found due
        # rows not due (their wake-up spent, they waited for the sweeper).
        now = timezone.now()
        if item is None or _not_now(item, now):
            return None
        cert_key, session_key = eeszt_sender_ids(
            practice_id=item.practice_id,
            company_id=item.company_id,
            member_id=item.responsible_id,
            now=now,
        )
        if cert_key is None:
            item.next_attempt_at = now + RETRY_MAX
            item.save(update_fields=["next_attempt_at"])
            _set_waiting(
                item,
                OutboxState.RETRYING,
                "NO_CERTIFICATE",
                _(
                    "Nincs aktív EESZT tanúsítvány a cégnél; "
                    "töltse fel a Beállítások / EESZT oldalon."
                ),
            )
            return None
        if session_key is None:
            _set_waiting(
                item,
                OutboxState.WAITING_LOGIN,
                "LOGIN_REQUIRED",
                _("%(doctor)s EESZT-bejelentkezésére vár.") % {"doctor": item.responsible},
            )
            return None
        cert = _kept(_certificates, cert_key, _certificate_load)
        session = _kept(_sessions, session_key, _session_load)
        # The one construction of the wire's Connection and CallContext (context.py):
        # the visit's doctor acts in the visit's org unit, in his VMátrix role.
        conn = eeszt_connection_for_certificate(cert)
        ctx = eeszt_call_context(
            session=session,
            company=item.company,
            org_unit=item.org_unit,
            role=eeszt_role_for(item.responsible),
        )
        item.state = OutboxState.SENDING
        item.attempts += 1
        item.lease_until = now + _lease()
        lease = {"state": item.state, "attempts": item.attempts, "lease_until": item.lease_until}
        outbox_update(item.pk, lease)  # the row is locked: save(update_fields=…) written out
        return _Claim(item=item, conn=conn, ctx=ctx, attempt=item.attempts)


def _event_id(claim: _Claim) -> str:
    if claim.event_id is None:
        claim.event_id = str(outbox_result_of_start(claim.item)["event_id"])
    return claim.event_id


def _with_late(result: dict[str, Any], late: bool) -> dict[str, Any]:
    """EESZT's "accepted after the deadline" kept on the row (the submissions page shows
    it); absent when on time, so rows sent before the flag existed read the same."""
    return {**result, "late": True} if late else result


def _send(claim: _Claim) -> dict[str, Any]:
    item, p = claim.item, claim.item.payload
    request_id = str(item.request_id)
    if item.kind == OutboxKind.EVENT_START:
        answer = ekat.event_start(
            claim.conn,
            claim.ctx,
            request_id=request_id,
            patient=ekat.PatientRef(p["patient"]["idType"], p["patient"]["id"]),
            client_visit_id=p["client_visit_id"],
            event_time=dt.datetime.fromisoformat(p["event_time"]),
            recorded_time=dt.datetime.fromisoformat(p["recorded_time"]),
            responsible_stamp=p["responsible_stamp"],
            specialty=p["specialty"],
            referral_id=p.get("referral_id"),
        )
        return {"event_id": answer.event_id, "status": answer.status}
    if item.kind == OutboxKind.EVENT_CLOSE:
        answer = ekat.event_close(
            claim.conn,
            claim.ctx,
            request_id=request_id,
            event_id=_event_id(claim),
            end_time=dt.datetime.fromisoformat(p["end_time"]),
            recorded_time=dt.datetime.fromisoformat(p["recorded_time"]),
            responsible_stamp=p["responsible_stamp"],
            diagnoses=p["diagnoses"],
            procedures=p["procedures"] or None,
        )
        return _with_late({"event_id": answer.event_id, "status": answer.status}, answer.late)
    if item.kind in (OutboxKind.DOCUMENT_SUBMIT, OutboxKind.DOCUMENT_VERSION):
        submitted = documents.document_submit(
            claim.conn,
            claim.ctx,
            request_id=request_id,
            patient=ekat.PatientRef(p["patient"]["idType"], p["patient"]["id"]),
            event_id=_event_id(claim),
            client_case_id=p["client_case_id"],
            client_document_id=p["client_document_id"],
            doc_type="11",
            title=p["title"],
            author_stamp=p["author_stamp"],
            created_at=dt.datetime.fromisoformat(p["created_at"]),
            body=p["body"].encode("utf-8"),
            diagnoses=p["diagnoses"] or None,
            procedures=p["procedures"] or None,
        )
        return _with_late(
            {
                "document_id": submitted.document_id,
                "version": submitted.version,
                "versioned_id": submitted.versioned_id,
            },
            submitted.late,
        )
    if item.kind == OutboxKind.REFERRAL_USE:
        # A refusal (expired, used meanwhile, revoked) ends this row as "refused" but does not
        # hold back the visit's close and Ambuláns lap: NON_BLOCKING_KINDS.
        used = referral.referral_use(
            claim.conn,
            claim.ctx,
            request_id=request_id,
            referral_id=p["referral_id"],
            event_id=_event_id(claim),
        )
        return {"referral_id": used.referral_id, "status": used.status}
    raise ValueError(f"unknown outbox kind {item.kind}")


def _record(
    claim: _Claim,
    *,
    state: OutboxState,
    code: str = "",
    message: str = "",
    next_attempt_at: dt.datetime | None = None,
    result: dict[str, Any] | None = None,
) -> tuple[OutboxItem | None, _Claim | None]:
    """Stores the outcome if the row is still ours (same attempt, still sending), and in the
    same transaction sets up what comes next: the retry's wake-up at its time, or after a
    success the visit's next row — claimed here for this task to send on, or woken when it
    cannot go on at once. A worker killed right after the commit leaves nothing to the
    sweeper but an expired lease (before, the wake-up was a separate step and a kill between
    lost it). Returns the row (None if it was no longer ours) and the next row's claim."""
    item = claim.item
    changes: dict[str, Any] = {
        "state": state,
        "last_error_code": code,
        "last_error_message": message,
        "next_attempt_at": next_attempt_at,
        "lease_until": None,
    }
    if result is not None:
        # Only what the outcome changes: a full save rewrote the frozen payload (the whole
        # CDA body of a document row) on every attempt (bench: docs/benchmarks.md).
        changes.update(result=result, sent_at=timezone.now())
    with transaction.atomic():
        # One conditional UPDATE is the "still ours" check and the write together.
        ours = outbox_update(item.pk, changes, state=OutboxState.SENDING, attempts=claim.attempt)
        if not ours:
            return None, None
        for field, value in changes.items():
            setattr(item, field, value)
        if state == OutboxState.RETRYING and next_attempt_at is not None:
            _wake(item, at=next_attempt_at)
            return item, None
        if _passes(item):
            if item.kind == OutboxKind.EVENT_START:
                claim.event_id = str(item.result["event_id"])  # what the visit's rows need
            return item, _follow(claim)
        return item, None


def _follow(claim: _Claim) -> _Claim | None:
    """In the success's transaction: the visit's next row that has not passed, claimed for
    this task when it can go now as the same doctor in the same org unit, else woken."""
    item = claim.item
    following = outbox_next_unpassed(item)
    if following is None or following.state in FINAL_STATES:
        return None  # all sent, or a refusal that holds the visit (its page shows it)
    now = timezone.now()
    same_sender = (
        following.responsible_id == item.responsible_id
        and following.company_id == item.company_id
        and following.org_unit_id == item.org_unit_id
    )
    # Not _not_now: the row just sent was the last unpassed one before it.
    if claim.chained + 1 >= CHAIN_MAX or not same_sender or _not_due(following, now):
        _wake(following)
        return None
    attempt = following.attempts + 1
    taken = outbox_update(
        following.pk,
        {"state": OutboxState.SENDING, "attempts": attempt, "lease_until": now + _lease()},
        state=following.state,
        attempts=following.attempts,
    )
    if not taken:
        return None  # another worker got it first (a user's "Újraküldés", the sweeper)
    following.state, following.attempts = OutboxState.SENDING, attempt
    # The same visit's: the objects the error paths and the next row need, without queries.
    following.responsible, following.company = item.responsible, item.company
    return _Claim(
        item=following,
        conn=claim.conn,
        ctx=claim.ctx,
        attempt=attempt,
        event_id=claim.event_id,
        chained=claim.chained + 1,
    )


def _deliver(claim: _Claim) -> tuple[OutboxItem | None, _Claim | None]:
    """Sends the claimed row and records the answer; returns the row and the next claim."""
    try:
        result = _send(claim)
    except EesztUnavailable as exc:
        when = timezone.now() + _backoff(claim.attempt, exc.retry_after_seconds)
        # What broke, for whoever reads the worker's log (the row shows only the code).
        logger.warning(
            "outbox %s: %s, again at %s (%r)", claim.item.pk, exc.code, when, exc.__cause__
        )
        return _record(
            claim,
            state=OutboxState.RETRYING,
            code=exc.code,
            message=exc.message,
            next_attempt_at=when,
        )
    except EesztLoginRequired as exc:
        session = eeszt_session_active(member=claim.item.responsible, company=claim.item.company)
        if session is not None:
            eeszt_session_end(session=session, reason="expired")
        message = _("Az EESZT-munkamenet lejárt; %(doctor)s újra bejelentkezésére vár.") % {
            "doctor": claim.item.responsible
        }
        return _record(claim, state=OutboxState.WAITING_LOGIN, code=exc.code, message=message)
    except EesztRefused as exc:
        return _record(claim, state=OutboxState.REFUSED, code=exc.code, message=exc.message)
    except EesztError as exc:  # our side cannot call (e.g. the stored certificate is unreadable)
        logger.warning("outbox %s: %s", claim.item.pk, exc.code)
        return _record(
            claim,
            state=OutboxState.RETRYING,
            code=exc.code,
            message=exc.message,
            next_attempt_at=timezone.now() + RETRY_MAX,
        )
    return _record(claim, state=OutboxState.SENT, result=result)


def outbox_item_deliver(*, item_id: int) -> OutboxItem | None:
    """Delivers one row if it is due and its turn has come, then the rows of its visit behind
    it (see the module's docstring); safe to call any number of times, from any number of
    workers. Returns the asked-for row as recorded, None if there was nothing to do."""
    claim = _claim(item_id)
    if claim is None:
        return None
    first, following = _deliver(claim)
    while following is not None:
        _, following = _deliver(following)
    return first


def outbox_resume_for(*, member_id: int, company_id: int) -> int:
    """After a doctor logs in to EESZT: his waiting rows go back in line."""
    with transaction.atomic():
        items = list(
            OutboxItem.objects.select_for_update().filter(
                responsible_id=member_id, company_id=company_id, state=OutboxState.WAITING_LOGIN
            )
        )
        for item in items:
            item.state = OutboxState.PENDING
            item.next_attempt_at = None
            item.save(update_fields=["state", "next_attempt_at"])
            _wake(item)
    return len(items)


def outbox_retry_now(*, item: OutboxItem) -> OutboxItem:
    """The user's "Újraküldés": a retrying/refused/waiting row is tried again at once (the
    same request id, so EESZT cannot do the work twice)."""
    with transaction.atomic():
        locked = OutboxItem.objects.select_for_update().get(pk=item.pk)
        if locked.state == OutboxState.SENT:
            return locked
        locked.state = OutboxState.PENDING
        locked.next_attempt_at = None
        locked.lease_until = None
        locked.save(update_fields=["state", "next_attempt_at", "lease_until"])
        _wake(locked)
    return locked


def _queued_item_ids() -> set[int]:
    """Rows that have a wake-up waiting in the queue or running (a running one of a killed
    worker is put back by django-ox's reaper)."""
    from django_ox.models import OxTask

    queued = OxTask.objects.filter(
        task_path=outbox_deliver_task.module_path,
        status__in=[OxTask.Status.READY, OxTask.Status.RUNNING],
    ).values_list("kwargs", flat=True)
    return {int(kwargs["item_id"]) for kwargs in queued if "item_id" in kwargs}


SWEEP_BATCH = 500


def outbox_sweep() -> int:
    """Wakes every due row whose wake-up went missing (the queue is not the source of truth):
    lost with a killed worker's lease, or never committed.

    Only rows that can go now and have nothing queued: a row behind an unsent earlier row of
    its visit is woken by that row's success, and a row with a queued task needs no second
    one. (Waking every due row flooded the queue: with a backlog, each sweep added one task
    per waiting row, faster than a worker runs them — measured in the reliability scenario,
    docs/eeszt-reporting.md.)"""
    now = timezone.now()
    earlier_unsent = (
        OutboxItem.objects.filter(
            practice_id=OuterRef("practice_id"), visit_id=OuterRef("visit_id")
        )
        .filter(seq__lt=OuterRef("seq"))
        .exclude(PASSED)
    )
    due = (
        OutboxItem.objects.filter(
            state__in=[OutboxState.PENDING, OutboxState.RETRYING, OutboxState.SENDING]
        )
        .exclude(next_attempt_at__gt=now)
        .exclude(lease_until__gt=now)
        .exclude(Exists(earlier_unsent))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    queued = _queued_item_ids()
    count = 0
    with transaction.atomic():
        for pk in due.iterator():
            if pk in queued:
                continue
            _wake_id(pk)
            count += 1
            if count == SWEEP_BATCH:
                break
    return count


# The tasks stand beside the services they call rather than in a tasks.py: writing a row
# wakes its delivery and a delivery wakes the visit's next row, so a separate tasks module
# would import this one and be imported by it — an import cycle (issue 13: none in
# zomanc/eeszt). They stay thin (house style §5): an id in, one service, safe to run twice.
@task
def outbox_deliver_task(item_id: int) -> None:
    outbox_item_deliver(item_id=item_id)


@task
def outbox_sweep_task() -> None:
    outbox_sweep()
