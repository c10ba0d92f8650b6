"""Reads of patients. Every query starts from the actor's practice (house style §3)."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from zomanc.core.prebuilt import prebuilt
from zomanc.patients.models import Patient
from zomanc.patients.search import prefix_upper_bound, search_plan
from zomanc.practices.models import Practice, StaffMember

PAGE_SIZE = 25
MAX_PAGE = 10_000  # deep offsets are slow and useless: narrow the search instead


@dataclass(frozen=True)
class PatientPage:
    items: list[Patient]
    page: int
    page_size: int
    has_next: bool
    query: str

    @property
    def has_previous(self) -> bool:
        return self.page > 1


# Every patient page starts with it: prebuilt (zomanc/core/prebuilt.py, issue 18).
@prebuilt
def _patient_in_practice(practice_id: int, patient_id: int) -> QuerySet[Patient]:
    return Patient.objects.filter(practice_id=practice_id, pk=patient_id)


def access_patient(member: StaffMember, patient_id: int) -> Patient:
    """The patient with this id in the member's practice; 404 for any other practice's id
    (never a 403: that would confirm the id exists elsewhere)."""
    found = _patient_in_practice(practice_id=member.practice_id, patient_id=patient_id)
    if not found:
        raise Http404
    patient = found[0]
    patient.practice = member.practice  # already loaded with the member: saves a query
    return patient


def patient_search_queryset(practice: Practice, query: str) -> QuerySet[Patient]:
    """The filtered, ordered queryset for `query`, shaped for the indexes that start with
    practice: a name or identifier prefix becomes `col >= p AND col < p_next` (a range any
    b-tree serves on SQLite and PostgreSQL, whatever LIKE's collation rules are), plus the
    LIKE itself, which keeps the result exact under any database collation."""
    plan = search_plan(query)
    qs = Patient.objects.filter(practice=practice)
    if plan.kind == "name":
        prefix = plan.name_prefix
        qs = qs.filter(
            search_name__gte=prefix,
            search_name__lt=prefix_upper_bound(prefix),
            search_name__startswith=prefix,
        )
    elif plan.kind == "identifier":
        prefix = plan.identifier_prefix
        qs = qs.filter(
            id_value__gte=prefix,
            id_value__lt=prefix_upper_bound(prefix),
            id_value__startswith=prefix,
        )
    elif plan.kind == "birth_date" and plan.birth_date is not None:
        qs = qs.filter(birth_date=plan.birth_date)
    return qs.order_by("search_name", "id")


def patient_search(
    *, practice: Practice, query: str = "", page: int = 1, page_size: int = PAGE_SIZE
) -> PatientPage:
    """One page of matches in one query: page_size + 1 rows tell whether a next page exists,
    so no COUNT(*) over a million rows is needed."""
    page = min(max(page, 1), MAX_PAGE)
    offset = (page - 1) * page_size
    rows = list(patient_search_queryset(practice, query)[offset : offset + page_size + 1])
    return PatientPage(
        items=rows[:page_size],
        page=page,
        page_size=page_size,
        has_next=len(rows) > page_size,
        query=query,
    )


def patient_find_by_identifier(
    *, practice: Practice, id_type: str, id_value: str, exclude_id: int | None = None
) -> Patient | None:
    if not id_value:
        return None
    qs = Patient.objects.filter(practice=practice, id_type=id_type, id_value=id_value)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return qs.first()
