"""Reads of recall: the rules, a patient's recalls, and the recall list ("Esedékes
visszahívások") — computed by due.recalls_due from the closed visits' procedures, with each
recall's contact state: the latest recorded contact, or "booked" when the patient has an
appointment ahead (a booking closes the recall, whoever made it and wherever).

The list reads a fixed number of queries whatever the number of patients (asserted in
tests/test_views.py); every query is scoped to the member's practice."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, Max, Min, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from zomanc.clinical.models import Visit, VisitProcedure, VisitStatus
from zomanc.codes.models import TreatmentItem
from zomanc.core.lookups import ids_text
from zomanc.core.memo import SlotCache
from zomanc.core.prebuilt import prebuilt
from zomanc.patients.consent_selectors import consent_channels
from zomanc.patients.models import ContactConsent, Patient
from zomanc.practices.models import StaffMember
from zomanc.recall.due import Done, Due, add_months, recalls_due
from zomanc.recall.models import (
    ContactState,
    PatientRecallInterval,
    RecallContact,
    RecallRule,
)
from zomanc.scheduling.models import Appointment, AppointmentStatus

# What the list prints of a patient (and consent_channels reads): the rest is not loaded.
LIST_PATIENT_FIELDS = ("id", "practice_id", "family_name", "given_name", "phone", "email")
# Shown first when the list is not filtered by state: the recalls still to work on.
OPEN_STATES = (ContactState.NOT_CONTACTED, ContactState.REMINDED, ContactState.UNREACHABLE)
STATE_BADGES = {
    ContactState.NOT_CONTACTED: "pending",
    ContactState.REMINDED: "info",
    ContactState.BOOKED: "ok",
    ContactState.DECLINED: "refused",
    ContactState.UNREACHABLE: "late",
}


def practice_recall_rules(member: StaffMember) -> list[RecallRule]:
    return list(
        RecallRule.objects.filter(practice_id=member.practice_id)
        .select_related("treatment")
        .order_by("treatment__name", "id")
    )


def access_recall_rule(member: StaffMember, rule_id: int) -> RecallRule:
    rule = (
        RecallRule.objects.filter(practice_id=member.practice_id, pk=rule_id)
        .select_related("treatment")
        .first()
    )
    if rule is None:
        raise Http404
    return rule


@prebuilt
def _practice_rules(practice_id: int) -> QuerySet[Any]:
    return RecallRule.objects.filter(practice_id=practice_id).values_list(
        "treatment_id", "interval_months"
    )


@prebuilt
def _practice_own_intervals(practice_id: int) -> QuerySet[Any]:
    return PatientRecallInterval.objects.filter(practice_id=practice_id).values_list(
        "patient_id", "treatment_id", "interval_months"
    )


def _intervals(
    practice_id: int, patient_ids: Iterable[int] | None = None
) -> tuple[dict[int, int], dict[tuple[int, int], int]]:
    rules = dict(_practice_rules(practice_id=practice_id))
    if patient_ids is None:
        own_rows = _practice_own_intervals(practice_id=practice_id)
    else:
        own_rows = list(
            PatientRecallInterval.objects.filter(
                practice_id=practice_id, patient_id__in=list(patient_ids)
            ).values_list("patient_id", "treatment_id", "interval_months")
        )
    own = {(patient_id, treatment_id): months for patient_id, treatment_id, months in own_rows}
    return rules, own


_HISTORY_ORDER = ("visit__started_at", "id")
_HISTORY_COLUMNS = ("visit__patient_id", "treatment_id", "visit__started_at", "visit__doctor_id")


@prebuilt
def _practice_history(practice_id: int, treatment_ids: str) -> QuerySet[Any]:
    """The practice's matching procedures (`_history` for every patient) of the items with a
    rule or an own interval (`treatment_ids`, one parameter: core/lookups.py) — the items as
    read with the intervals the recalls are computed with, not re-read by a subquery a moment
    later (practice_recalls_due keys its cache by them)."""
    return (
        VisitProcedure.objects.filter(
            practice_id=practice_id,
            treatment_id__in_ids=treatment_ids,
            visit__status=VisitStatus.CLOSED,
        )
        .order_by(*_HISTORY_ORDER)
        .values_list(*_HISTORY_COLUMNS)
    )


def _history(
    practice_id: int, treatment_ids: set[int], patient_ids: Iterable[int] | None = None
) -> list[Done]:
    """Matching procedures (of `treatment_ids`) of closed visits, oldest first (same-day ties
    in entry order). Without `patient_ids`: the practice's whole history, read prebuilt."""
    if patient_ids is None:
        rows = _practice_history(
            practice_id=practice_id, treatment_ids=ids_text(sorted(treatment_ids))
        )
    else:
        rows = list(
            VisitProcedure.objects.filter(
                practice_id=practice_id,
                treatment_id__in=treatment_ids,
                visit__status=VisitStatus.CLOSED,
                visit__patient_id__in=list(patient_ids),
            )
            .order_by(*_HISTORY_ORDER)
            .values_list(*_HISTORY_COLUMNS)
        )
    # timezone.localdate(started_at), its zone looked up once instead of once a row (600 rows
    # a request on the bench's recall list).
    zone = timezone.get_current_timezone()
    return [
        Done(patient_id, treatment_id, started_at.astimezone(zone).date(), doctor_id)
        for patient_id, treatment_id, started_at, doctor_id in rows
    ]


@prebuilt
def _closed_visits_state(practice_id: int) -> QuerySet[Any]:
    """What moves whenever the practice's recall history can: the number of its closed visits
    (a visit closed) and the sum of their revisions (a correction adds one; it is the only way
    a closed visit's procedures change, and a closed visit is never deleted — its revisions
    protect it)."""
    return (
        Visit.objects.filter(practice_id=practice_id, status=VisitStatus.CLOSED)
        .values("practice_id")
        .annotate(closed=Count("id"), revision_sum=Sum("revision"))
        .values_list("closed", "revision_sum")
    )


# The practice's recalls as last computed in this process, under the key of everything they
# were computed from, for the 64 practices served last (`core.memo.SlotCache`). Why: the
# list recomputed them from the practice's whole matching history on every request (600
# procedures: ≈ 5–10 ms of CPU, a third of the page), though they change only when a visit
# closes or is corrected, or a rule or an own interval changes. Nothing is invalidated: a
# changed input is a new key (tests/test_due_cache.py, a test per input). The key is read
# from the database on every request, so the processes cannot disagree.
_due_cache: SlotCache[tuple[Due, ...]] = SlotCache(max_slots=64)


def practice_recalls_due(practice_id: int) -> list[Due]:
    """Every recall of the practice (due or not yet), by due date.

    Computed from the rules, the own intervals and the closed visits' procedures (`_history`
    reads them with exactly the items of these intervals), or taken from `_due_cache` under
    a key of the same intervals, the closed visits' state and the time zone. Why that key
    cannot name stale recalls: a committed closed-visit state never comes back once left (a
    close adds a visit, a correction a revision, nothing removes either), and the state is
    read before the history, so what is stored under a state is that state or newer. A
    state seen only inside a transaction could be rolled back and then reached again with
    other content, so within one (`in_atomic_block`) the cache is neither read nor
    written."""
    rules, own = _intervals(practice_id)
    treatment_ids = set(rules) | {t for _, t in own}
    if not treatment_ids:
        return []
    cacheable = not connection.in_atomic_block
    if cacheable:
        state = _closed_visits_state(practice_id=practice_id)
        key = (
            state[0] if state else (0, 0),
            tuple(sorted(rules.items())),
            tuple(sorted(own.items())),
            timezone.get_current_timezone_name(),  # the zone the visits' days are read in
        )
        dues = _due_cache.get(practice_id, key)
        if dues is not None:
            return list(dues)  # a new list: the cached tuple stays as computed
    dues = tuple(recalls_due(_history(practice_id, treatment_ids), rules, own))
    if cacheable:
        _due_cache.put(practice_id, key, dues)
    return list(dues)


@prebuilt
def _practice_staff(practice_id: int) -> QuerySet[StaffMember]:
    return StaffMember.objects.filter(practice_id=practice_id)


@prebuilt
def _practice_doctors(practice_id: int) -> QuerySet[Any]:
    return (
        StaffMember.objects.filter(practice_id=practice_id, is_active=True)
        .exclude(stamp_number="")
        .order_by("display_name")
        .values_list("pk", "display_name")
    )


def practice_recall_doctors(member: StaffMember) -> list[tuple[int, str]]:
    """The list's doctor filter: the practice's active members with a stamp number."""
    return _practice_doctors(practice_id=member.practice_id)


@dataclass
class RecallRow:
    due: Due
    patient: Patient
    treatment: TreatmentItem
    doctor: StaffMember | None
    last_visit: dt.datetime | None
    next_appointment: dt.datetime | None
    state: str
    contact: RecallContact | None  # the latest recorded contact on this recall
    channels: set[str] = field(default_factory=set)  # consented channels (for sending)
    history: list[RecallContact] = field(default_factory=list)  # newest first

    @property
    def overdue(self) -> bool:
        return self.due.due < timezone.localdate()

    @property
    def state_label(self) -> str:
        return str(ContactState(self.state).label)

    @property
    def state_badge(self) -> str:
        return STATE_BADGES[ContactState(self.state)]


@dataclass
class _Contacts:
    """What decides a recall's contact state: the patients' next appointments and the
    recorded contacts (newest first) by (patient, item, since)."""

    next_appointment: dict[int, dt.datetime]
    contacts: dict[tuple[int, int, dt.date], list[RecallContact]]

    def state(self, due: Due) -> tuple[str, list[RecallContact]]:
        history = self.contacts.get((due.patient_id, due.treatment_id, due.since), [])
        if self.next_appointment.get(due.patient_id) is not None:
            return str(ContactState.BOOKED), history
        if history:
            return history[0].state, history
        return str(ContactState.NOT_CONTACTED), history


@prebuilt
def _next_appointments(practice_id: int, patient_ids: str, now: dt.datetime) -> QuerySet[Any]:
    return (
        Appointment.objects.filter(
            practice_id=practice_id, patient_id__in_ids=patient_ids, starts_at__gte=now
        )
        .exclude(status=AppointmentStatus.CANCELLED)
        .values("patient_id")
        .annotate(at=Min("starts_at"))
        .values_list("patient_id", "at")
    )


@prebuilt
def _recorded_contacts(practice_id: int, patient_ids: str) -> QuerySet[RecallContact]:
    return (
        RecallContact.objects.filter(practice_id=practice_id, patient_id__in_ids=patient_ids)
        .select_related("recorded_by")
        .order_by("-id")
    )


def _contacts(practice_id: int, patient_ids: set[int]) -> _Contacts:
    """Two queries whatever the number of patients, each with one parameter for all of them
    (core/lookups.py)."""
    ids = ids_text(sorted(patient_ids))
    next_appointment = dict(
        _next_appointments(practice_id=practice_id, patient_ids=ids, now=timezone.now())
    )
    contacts: dict[tuple[int, int, dt.date], list[RecallContact]] = {}
    for contact in _recorded_contacts(practice_id=practice_id, patient_ids=ids):
        contacts.setdefault((contact.patient_id, contact.treatment_id, contact.since), []).append(
            contact
        )
    return _Contacts(next_appointment, contacts)


@prebuilt
def _patients_listed(practice_id: int, patient_ids: str) -> QuerySet[Patient]:
    """The patients with only the fields the list prints."""
    return Patient.objects.filter(practice_id=practice_id, pk__in_ids=patient_ids).only(
        *LIST_PATIENT_FIELDS
    )


@prebuilt
def _patients_whole(practice_id: int, patient_ids: str) -> QuerySet[Patient]:
    return Patient.objects.filter(practice_id=practice_id, pk__in_ids=patient_ids)


@prebuilt
def _treatments(practice_id: int, treatment_ids: str) -> QuerySet[TreatmentItem]:
    return TreatmentItem.objects.filter(practice_id=practice_id, pk__in_ids=treatment_ids)


@prebuilt
def _last_visits(practice_id: int, patient_ids: str) -> QuerySet[Any]:
    return (
        Visit.objects.filter(
            practice_id=practice_id, patient_id__in_ids=patient_ids, status=VisitStatus.CLOSED
        )
        .values("patient_id")
        .annotate(at=Max("started_at"))
        .values_list("patient_id", "at")
    )


@prebuilt
def _consents(practice_id: int, patient_ids: str) -> QuerySet[ContactConsent]:
    return ContactConsent.objects.filter(
        practice_id=practice_id, patient_id__in_ids=patient_ids
    ).order_by("-id")


def _rows(
    member: StaffMember,
    dues: list[Due],
    contacts: _Contacts | None = None,
    listed: bool = False,
) -> list[RecallRow]:
    """The rows of `dues` with everything the list shows: seven queries whatever their number
    (five when `contacts` were read for them already). `listed`: only the patients' fields
    the list prints (LIST_PATIENT_FIELDS), else whole (the sending side's)."""
    practice_id = member.practice_id
    patient_ids = {d.patient_id for d in dues}
    if contacts is None:
        contacts = _contacts(practice_id, patient_ids)
    ids = ids_text(sorted(patient_ids))
    read_patients = _patients_listed if listed else _patients_whole
    patients = {p.pk: p for p in read_patients(practice_id=practice_id, patient_ids=ids)}
    treatment_ids = ids_text(sorted({d.treatment_id for d in dues}))
    treatments = {
        t.pk: t for t in _treatments(practice_id=practice_id, treatment_ids=treatment_ids)
    }
    last_visit = dict(_last_visits(practice_id=practice_id, patient_ids=ids))
    consent: dict[int, ContactConsent] = {}
    for entry in _consents(practice_id=practice_id, patient_ids=ids):
        consent.setdefault(entry.patient_id, entry)
    staff = {m.pk: m for m in _practice_staff(practice_id=practice_id)}
    rows = []
    for due in dues:
        patient = patients[due.patient_id]
        state, history = contacts.state(due)
        channels = consent_channels(patient, consent.get(due.patient_id))
        rows.append(
            RecallRow(
                due=due,
                patient=patient,
                treatment=treatments[due.treatment_id],
                doctor=staff.get(due.doctor_id) if due.doctor_id else None,
                last_visit=last_visit.get(due.patient_id),
                next_appointment=contacts.next_appointment.get(due.patient_id),
                state=state,
                contact=history[0] if history else None,
                channels=channels,
                history=history,
            )
        )
    return rows


@dataclass(frozen=True)
class RecallFilters:
    month: dt.date | None = None  # the first day of a month; None: overdue and this month
    doctor_id: int | None = None
    state: str = ""  # "" = the open ones; "all"; or one ContactState


# Rows a page of the recall list shows: the desk works through a page (ticks it for the bulk
# send, records contacts row by row) and each row is a form; 50 keep the page cheap to build
# and short enough to scroll (200 at once was ≈ 40 ms of CPU, and the rest unreachable).
RECALL_PAGE_SIZE = 50


@dataclass
class RecallList:
    rows: list[RecallRow]
    total: int  # every recall matching the filters, on all pages
    window_end: dt.date
    page: int = 1  # the page shown (clamped into 1..pages)
    pages: int = 1
    start: int = 0  # the index of the page's first row among all `total`

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def recall_list(
    member: StaffMember, filters: RecallFilters, page: int = 1, per_page: int | None = None
) -> RecallList:
    """The recall list: recalls due by the end of this month (overdue ones included), or due
    within the chosen month; by doctor (who did the item last) and by contact state. One page
    of them: `page` is clamped into the pages there are (a bookmark from a longer list, a
    typed-in number), so every page number answers. `per_page`: RECALL_PAGE_SIZE unless
    given."""
    per_page = per_page or RECALL_PAGE_SIZE
    today = timezone.localdate()
    month = filters.month or today.replace(day=1)
    window_end = add_months(month, 1) - dt.timedelta(days=1)
    window_start = filters.month or dt.date.min
    dues = [
        d
        for d in practice_recalls_due(member.practice_id)
        if window_start <= d.due <= window_end
        and (filters.doctor_id is None or d.doctor_id == filters.doctor_id)
    ]
    # The state of every recall in the window first (it filters and counts them), then the
    # rest only for the page's rows — with only the patients' fields the list prints.
    contacts = _contacts(member.practice_id, {d.patient_id for d in dues})
    if filters.state == "":
        dues = [d for d in dues if contacts.state(d)[0] in OPEN_STATES]
    elif filters.state != "all":
        dues = [d for d in dues if contacts.state(d)[0] == filters.state]
    pages = max(1, -(-len(dues) // per_page))
    page = min(max(page, 1), pages)
    start = (page - 1) * per_page
    shown = dues[start : start + per_page]
    rows = _rows(member, shown, contacts, listed=True)
    return RecallList(
        rows=rows, total=len(dues), window_end=window_end, page=page, pages=pages, start=start
    )


def patient_recalls(member: StaffMember, patient: Patient) -> list[RecallRow]:
    """The patient's recalls (due or not), each with its contact history."""
    rules, own = _intervals(member.practice_id, [patient.pk])
    treatment_ids = set(rules) | {t for _, t in own}
    if not treatment_ids:
        return []
    dues = recalls_due(_history(member.practice_id, treatment_ids, [patient.pk]), rules, own)
    return _rows(member, dues)


def patient_own_intervals(member: StaffMember, patient: Patient) -> list[PatientRecallInterval]:
    return list(
        PatientRecallInterval.objects.filter(practice_id=member.practice_id, patient=patient)
        .select_related("treatment")
        .order_by("treatment__name")
    )


def recall_selection(member: StaffMember, keys: Iterable[str]) -> list[RecallRow]:
    """The recalls a bulk action was asked for (`Due.key` values from the list's checkboxes),
    re-computed now: a key that is not a current recall of the practice is dropped (a forged
    one, another practice's, one moved by a new procedure). The sending side takes these."""
    wanted = set(keys)
    dues = [d for d in practice_recalls_due(member.practice_id) if d.key in wanted]
    return _rows(member, dues)
