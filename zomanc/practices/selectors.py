"""Reads of practices, companies, org units and staff. Anything fetched by an id from a URL
goes through `access_<entity>(member, id)`, which only looks inside the member's practice: an
id of another practice is a 404, exactly like an id that does not exist."""

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from zomanc.practices.models import Company, OrgUnit, Practice, StaffMember


def access_company(member: StaffMember, company_id: int) -> Company:
    return get_object_or_404(
        Company.objects.select_related("practice"), practice_id=member.practice_id, pk=company_id
    )


def access_org_unit(member: StaffMember, org_unit_id: int) -> OrgUnit:
    return get_object_or_404(
        OrgUnit.objects.select_related("company", "company__practice"),
        practice_id=member.practice_id,
        pk=org_unit_id,
    )


def access_staff_member(member: StaffMember, staff_member_id: int) -> StaffMember:
    return get_object_or_404(
        StaffMember.objects.select_related("user", "practice"),
        practice_id=member.practice_id,
        pk=staff_member_id,
    )


def company_list(*, practice: Practice) -> QuerySet[Company]:
    """Companies with their org units (two queries however many there are); active first."""
    return (
        Company.objects.filter(practice=practice)
        .prefetch_related(
            Prefetch("org_units", queryset=OrgUnit.objects.order_by("-is_active", "code"))
        )
        .order_by("-is_active", "name", "pk")
    )


def active_companies(*, practice: Practice) -> QuerySet[Company]:
    return Company.objects.filter(practice=practice, is_active=True).order_by("name", "pk")


def staff_member_list(*, practice: Practice) -> QuerySet[StaffMember]:
    """Everyone in the practice with his account (one query); active colleagues first."""
    return (
        StaffMember.objects.filter(practice=practice)
        .select_related("user")
        .order_by("-is_active", "display_name", "pk")
    )


def doctors(*, practice: Practice) -> QuerySet[StaffMember]:
    """Active members who sign as doctors: doctors, and owners with a stamp number."""
    return (
        StaffMember.objects.filter(practice=practice, is_active=True)
        .exclude(stamp_number="")
        .select_related("user")
        .order_by("display_name", "pk")
    )
