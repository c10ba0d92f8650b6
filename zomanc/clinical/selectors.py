"""Reads of the chart. Fetch by id only through access_* (scoped to the member's practice,
404 otherwise); list reads run a fixed number of queries whatever the number of visits."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Prefetch, QuerySet, prefetch_related_objects
from django.http import Http404
from django.utils import timezone

from zomanc.clinical.models import (
    ToothFinding,
    Visit,
    VisitDiagnosis,
    VisitProcedure,
    VisitRevision,
    VisitStatus,
)
from zomanc.clinical.teeth import Chart, ToothState, chart_build
from zomanc.codes.bno_services import age_on
from zomanc.codes.models import TreatmentItem
from zomanc.codes.validators import taj_format
from zomanc.core.prebuilt import prebuilt
from zomanc.eeszt.outbox.models import OutboxItem
from zomanc.patients.models import IdType, Patient
from zomanc.practices.models import StaffMember

# The patient page shows the newest visits — the history's first page; "Korábbi ellátások"
# appends the next page in place (htmx) or opens it (a plain link). Rendering a visit is
# ≈ 1 ms (badge, actions, activities), so the page size bounds the patient page's cost.
HISTORY_PAGE_SIZE = 20
ACTIVITY_LIST_LIMIT = HISTORY_PAGE_SIZE


def _visits(member: StaffMember) -> QuerySet[Visit]:
    return Visit.objects.filter(practice_id=member.practice_id)


def access_visit(member: StaffMember, visit_id: int, *, for_update: bool = False) -> Visit:
    """The visit with this id in the member's practice (404 otherwise), with its patient,
    doctor, company and org unit loaded."""
    queryset = _visits(member).select_related("patient", "doctor", "company", "org_unit")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    visit = queryset.filter(pk=visit_id).first()
    if visit is None:
        raise Http404
    return visit


def access_treatment(member: StaffMember, treatment_id: int) -> TreatmentItem:
    item = TreatmentItem.objects.filter(practice_id=member.practice_id, pk=treatment_id).first()
    if item is None:
        raise Http404
    return item


def visit_local_date(visit: Visit) -> dt.date:
    return timezone.localdate(visit.started_at)


def visit_patient_age(visit: Visit) -> int:
    return age_on(visit.patient.birth_date, visit_local_date(visit))


def _with_doctor(queryset: QuerySet[Visit]) -> QuerySet[Visit]:
    """The visits with their doctor (the list prints the name, and a closed visit's cached item
    is keyed by it, clinical/fragments.py). Their outbox rows are read by the list: the states
    of all in one query for the cache keys (visits_eeszt_states), the rows themselves only for
    the items it renders (visits_activities_load)."""
    return queryset.select_related("doctor")


def _activity_prefetches() -> dict[str, Prefetch]:
    return {
        # The EESZT badge of the item (zomanc.eeszt.outbox).
        "eeszt_items": Prefetch("eeszt_items", queryset=OutboxItem.objects.order_by("seq")),
        "diagnoses": Prefetch(
            "diagnoses", queryset=VisitDiagnosis.objects.order_by("-is_primary", "id")
        ),
        # The family of each procedure's catalogue item comes along (a join, no query): the
        # open visit's entry box matches procedures to planned items by it (plans).
        "procedures": Prefetch(
            "procedures",
            queryset=VisitProcedure.objects.annotate(
                treatment_family=F("treatment__family")
            ).order_by("id"),
        ),
    }


def visits_activities_load(visits: Sequence[Visit], *, with_badges: bool = True) -> None:
    """Load what rendering a visit's list item reads — its outbox rows (the EESZT badge, unless
    not `with_badges`), its diagnoses and procedures — for those visits that lack it: a query
    per kind, none when every visit has them. The visit list calls it for the items it has to
    render (a closed visit's cached item needs none of them)."""
    if not visits:
        return  # the fully cached list: not even the Prefetch objects are built
    for name, prefetch in _activity_prefetches().items():
        if name == "eeszt_items" and not with_badges:
            continue
        missing = [v for v in visits if name not in getattr(v, "_prefetched_objects_cache", {})]
        if missing:
            prefetch_related_objects(missing, prefetch)


@prebuilt
def _patient_outbox_states(practice_id: int, patient_id: int, since: dt.datetime) -> QuerySet[Any]:
    return OutboxItem.objects.filter(
        practice_id=practice_id, visit__patient_id=patient_id, visit__started_at__gte=since
    ).values_list("visit_id", "state")


def visits_eeszt_states(visits: Sequence[Visit]) -> dict[int, frozenset[str]]:
    """The states of each visit's EESZT outbox rows (visits without rows are absent): one query
    of two columns for the whole list. A cached item's badge depends on nothing else, and
    prefetching the rows as model instances for every shown visit cost more than rendering
    the cached page (Django builds a related queryset per visit)."""
    if not visits:
        return {}
    wanted = {visit.pk for visit in visits}
    patients = {visit.patient_id for visit in visits}
    if len(patients) == 1:
        # One patient's list (the patient page, a history page): the rows of his visits
        # since the oldest shown — a fixed-shape read, prebuilt; 20 ids would be a new SQL
        # for every length. Rows of visits not shown are dropped below.
        rows = _patient_outbox_states(
            practice_id=visits[0].practice_id,
            patient_id=next(iter(patients)),
            since=min(visit.started_at for visit in visits),
        )
    else:
        rows = list(
            OutboxItem.objects.filter(
                practice_id=visits[0].practice_id, visit_id__in=wanted
            ).values_list("visit_id", "state")
        )
    states: dict[int, set[str]] = {}
    for visit_id, state in rows:
        if visit_id in wanted:
            states.setdefault(visit_id, set()).add(state)
    return {visit_id: frozenset(found) for visit_id, found in states.items()}


@dataclass(frozen=True)
class ActivityList:
    visits: list[Visit]
    open_visit: Visit | None
    total: int
    limit: int


# The patient page's reads, prebuilt (zomanc/core/prebuilt.py): Django building their SQL
# cost more CPU than the database running it (issue 18).
@prebuilt
def _patient_visit_count(practice_id: int, patient_id: int) -> QuerySet[Any]:
    # COUNT as a one-row grouped read: a prebuilt read is a list of rows, not an aggregate.
    return (
        Visit.objects.filter(practice_id=practice_id, patient_id=patient_id)
        .values("patient_id")
        .annotate(total=Count("id"))
        .values_list("total", flat=True)
    )


@prebuilt
def _patient_newest_visits(practice_id: int, patient_id: int) -> QuerySet[Visit]:
    return _with_doctor(
        Visit.objects.filter(practice_id=practice_id, patient_id=patient_id).order_by(
            "-started_at", "-id"
        )
    )[:ACTIVITY_LIST_LIMIT]


@prebuilt
def _patient_findings(practice_id: int, patient_id: int) -> QuerySet[Any]:
    return (
        ToothFinding.objects.filter(practice_id=practice_id, visit__patient_id=patient_id)
        .order_by("visit__started_at", "visit_id", "id")
        .values_list("tooth", "surfaces", "status")
    )


def patient_activity_list(member: StaffMember, patient: Patient, *, clinical: bool) -> ActivityList:
    """The newest visits of a patient for the activity list. Without clinical access only the
    visits themselves are loaded (the receptionist sees dates, not content). Queries: count and
    visits, plus with clinical access the open visit's diagnoses and procedures (the entry box
    edits them) — at most four, whatever the number. The list reads the visits' outbox states
    (one query) and loads the outbox rows of the items it renders (the open visit's, the ones
    not in the fragment cache) and the activities of the latter (visits_activities_load): at
    most four more."""
    # A COUNT of its own, not a window over the page's query: the window makes the database
    # read, join and sort every visit of the patient before the LIMIT (measured: slower).
    counted = _patient_visit_count(practice_id=member.practice_id, patient_id=patient.pk)
    total = counted[0] if counted else 0
    visits = _patient_newest_visits(practice_id=member.practice_id, patient_id=patient.pk)
    open_visit = next((v for v in visits if v.status == VisitStatus.OPEN), None)
    if clinical and open_visit is not None:
        # Its outbox rows are loaded with those of the other items the list renders.
        visits_activities_load([open_visit], with_badges=False)
    return ActivityList(
        visits=visits, open_visit=open_visit, total=total, limit=ACTIVITY_LIST_LIMIT
    )


def patient_visit_page(
    member: StaffMember, patient: Patient, page: int
) -> tuple[list[Visit], bool]:
    """One page of the full history (newest first) and whether another page follows; the
    activities are loaded by the list for the items it renders (visits_activities_load)."""
    page = max(1, min(page, 10_000))
    start = (page - 1) * HISTORY_PAGE_SIZE
    queryset = _with_doctor(_visits(member).filter(patient=patient).order_by("-started_at", "-id"))
    rows = list(queryset[start : start + HISTORY_PAGE_SIZE + 1])
    return rows[:HISTORY_PAGE_SIZE], len(rows) > HISTORY_PAGE_SIZE


def patient_chart_findings(
    patient: Patient, *, until: Visit | None = None
) -> list[tuple[int, str, str]]:
    """The patient's findings as (tooth, surfaces, status) in visit order — all of them, or
    those up to the end of `until` (that visit and every earlier one). One query."""
    if until is None:
        return _patient_findings(practice_id=patient.practice_id, patient_id=patient.pk)
    findings = ToothFinding.objects.filter(
        practice_id=patient.practice_id, visit__patient=patient
    ).order_by("visit__started_at", "visit_id", "id")
    findings = findings.filter(visit__started_at__lte=until.started_at).exclude(
        visit__started_at=until.started_at, visit_id__gt=until.pk
    )
    return list(findings.values_list("tooth", "surfaces", "status"))


def patient_chart(patient: Patient, *, until: Visit | None = None) -> Chart:
    """The tooth chart from the patient's findings — the current chart, or as it stood at the
    end of `until`. One query."""
    return chart_build(patient_chart_findings(patient, until=until))


def visit_revisions(visit: Visit) -> list[VisitRevision]:
    return list(visit.revisions.order_by("number").select_related("created_by"))


def access_revision(visit: Visit, number: int) -> VisitRevision:
    revision = visit.revisions.filter(number=number).first()
    if revision is None:
        raise Http404
    return revision


def _dt(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def visit_snapshot(visit: Visit) -> dict[str, Any]:
    """The full content of a visit as plain JSON: what a revision stores, what the Ambuláns
    lap PDF prints and what the EESZT module turns into its CDA document. Patient identity is
    included as it stood at that moment."""
    patient = visit.patient
    company = visit.company
    org_unit = visit.org_unit
    doctor = visit.doctor
    identifier = patient.id_value
    return {
        "visit_id": visit.pk,
        "status": visit.status,
        "revision": visit.revision,
        "started_at": _dt(visit.started_at),
        "closed_at": _dt(visit.closed_at),
        "patient": {
            "id": patient.pk,
            "family_name": patient.family_name,
            "given_name": patient.given_name,
            "name": f"{patient.family_name} {patient.given_name}",
            "sex": patient.sex,
            "birth_date": patient.birth_date.isoformat(),
            "birth_place": patient.birth_place,
            "mother_name": patient.mother_name,
            "id_type": patient.id_type,
            "id_value": identifier,
            "taj_display": taj_format(identifier)
            if patient.id_type == IdType.TAJ and identifier
            else "",
            "postal_code": patient.postal_code,
            "city": patient.city,
            "street_address": patient.street_address,
            "country": patient.country,
            "age_at_visit": visit_patient_age(visit),
        },
        "doctor": {
            "id": doctor.pk,
            "name": doctor.display_name,
            "stamp_number": doctor.stamp_number,
        },
        "company": {
            "id": company.pk,
            "name": company.name,
            "institution_name": company.institution_name,
            "institution_id": company.institution_id,
        },
        "org_unit": {"id": org_unit.pk, "code": org_unit.code, "name": org_unit.name},
        "sections": {
            "anamnesis": visit.anamnesis,
            "status_text": visit.status_text,
            "therapy": visit.therapy,
            "advice": visit.advice,
        },
        "referral": {"id": visit.referral_id, "summary": visit.referral_summary}
        if visit.referral_id
        else None,
        "diagnoses": [
            {"code": d.code, "name": d.name, "is_primary": d.is_primary}
            for d in visit.diagnoses.order_by("-is_primary", "id")
        ],
        "procedures": [
            {
                "id": p.pk,
                "treatment_id": p.treatment_id,
                "name": p.name,
                "oeno_code": p.oeno_code,
                "tooth": p.tooth,
                "surfaces": p.surfaces,
                "quantity": p.quantity,
                "unit_price": str(p.unit_price),
                "vat_rate": p.vat_rate,
            }
            for p in visit.procedures.order_by("id")
        ],
        "findings": [
            {
                "tooth": f.tooth,
                "surfaces": f.surfaces,
                "status": f.status,
                "procedure_id": f.procedure_id,
            }
            for f in visit.findings.order_by("id")
        ],
    }


@dataclass(frozen=True)
class ToothEvent:
    """One line of a tooth's history: a procedure on it or a status recorded for it."""

    at: dt.datetime  # the visit's start
    visit_id: int
    visit_open: bool
    doctor: str
    is_procedure: bool
    name: str  # the procedure's name as recorded; "" for a finding
    surfaces: str
    status: str  # the status key the entry left on the tooth; "" for none


@dataclass(frozen=True)
class ToothHistory:
    tooth: int
    state: ToothState  # the tooth on the current chart
    events: list[ToothEvent]  # newest first


# (visit start, visit id, entry time, entry id): newest first once reversed.
_EventKey = tuple[dt.datetime, int, dt.datetime, int]


def tooth_history(patient: Patient, tooth: int) -> ToothHistory:
    """Every procedure on `tooth` and every status recorded for it, across the patient's
    visits, newest first, with the visit's date and doctor; and the tooth as the chart shows
    it now. Two queries, scoped to the patient's practice."""
    procedures = list(
        VisitProcedure.objects.filter(
            practice_id=patient.practice_id, visit__patient=patient, tooth=tooth
        ).select_related("visit__doctor")
    )
    findings = list(
        ToothFinding.objects.filter(
            practice_id=patient.practice_id, visit__patient=patient, tooth=tooth
        )
        .select_related("visit__doctor")
        .order_by("visit__started_at", "visit_id", "id")
    )
    resulting = {f.procedure_id: f.status for f in findings if f.procedure_id is not None}
    rows: list[tuple[_EventKey, ToothEvent]] = []

    def add(visit: Visit, key: _EventKey, **fields: Any) -> None:
        event = ToothEvent(
            at=visit.started_at,
            visit_id=visit.pk,
            visit_open=visit.status == VisitStatus.OPEN,
            doctor=visit.doctor.display_name,
            **fields,
        )
        rows.append((key, event))

    for p in procedures:
        key = (p.visit.started_at, p.visit_id, p.created_at, p.pk)
        fields = {"name": p.name, "surfaces": p.surfaces, "status": resulting.get(p.pk, "")}
        add(p.visit, key, is_procedure=True, **fields)
    for f in findings:
        if f.procedure_id is not None:
            continue  # shown on its procedure's line, as the status it left
        key = (f.visit.started_at, f.visit_id, f.created_at, f.pk)
        add(f.visit, key, is_procedure=False, name="", surfaces=f.surfaces, status=f.status)
    rows.sort(key=lambda row: row[0], reverse=True)
    state = chart_build((f.tooth, f.surfaces, f.status) for f in findings).get(tooth, ToothState())
    return ToothHistory(tooth=tooth, state=state, events=[event for _key, event in rows])
