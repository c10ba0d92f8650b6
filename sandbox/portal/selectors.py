"""Reads of the portal: the user's institution choices, his rights there, certificates and
SMS messages he may see."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from sandbox.pki.models import CertKind, IssuedCertificate, SmsMessage
from sandbox.portal.models import InstitutionRight, InstitutionRightKind
from sandbox.registry.models import Grant, Institution, OrgUnit, Role, User


@dataclass(frozen=True)
class ContextOption:
    """One line of the intézményválasztás: an institution alone, or an org unit of it."""

    institution: Institution
    org_unit: OrgUnit | None
    roles: tuple[str, ...] = field(default=())

    @property
    def key(self) -> str:
        if self.org_unit is None:
            return f"I:{self.institution.institution_id}"
        return f"U:{self.org_unit.code}"

    @property
    def institution_only(self) -> bool:
        return self.org_unit is None

    @property
    def role_labels(self) -> list[str]:
        return [str(Role(r).label) for r in self.roles]


def context_options(*, user: User) -> list[ContextOption]:
    """Every institution the user holds a VMátrix grant at gives a "CSAK intézmény" option
    (listed first, as on the real portal) and one option per org unit of his grants."""
    grants = (
        Grant.objects.filter(user=user)
        .select_related("institution", "org_unit")
        .order_by("institution__institution_id", "org_unit__code", "role")
    )
    by_unit: dict[int, tuple[OrgUnit, list[str]]] = {}
    institutions: dict[int, Institution] = {}
    for g in grants:
        institutions.setdefault(g.institution_id, g.institution)
        by_unit.setdefault(g.org_unit_id, (g.org_unit, []))[1].append(g.role)
    options: list[ContextOption] = []
    for inst in institutions.values():
        options.append(ContextOption(institution=inst, org_unit=None))
        for unit, roles in by_unit.values():
            if unit.institution_id == inst.pk:
                options.append(ContextOption(institution=inst, org_unit=unit, roles=tuple(roles)))
    return options


def context_option_get(*, user: User, key: str) -> ContextOption | None:
    return next((o for o in context_options(user=user) if o.key == key), None)


def is_rights_admin(*, user: User, institution: Institution) -> bool:
    return Grant.objects.filter(user=user, institution=institution, role=Role.INTJOGADIN).exists()


def can_download_ssl(*, user: User, institution: Institution) -> bool:
    """Decision (documented in docs/sandbox.md): INTJOGADIN at the institution, or the
    institution right "EESZT SSL tanúsítvány letöltése" given in VMátrix."""
    return (
        is_rights_admin(user=user, institution=institution)
        or InstitutionRight.objects.filter(
            user=user, institution=institution, right=InstitutionRightKind.SSL_DOWNLOAD
        ).exists()
    )


def waf_certificates(*, institution: Institution) -> QuerySet[IssuedCertificate]:
    return IssuedCertificate.objects.filter(kind=CertKind.WAF, institution=institution).order_by(
        "-created_at", "-pk"
    )


def card_certificates(*, user: User) -> QuerySet[IssuedCertificate]:
    """The user's card certificates the sandbox knows, with their activation (if any)."""
    return (
        IssuedCertificate.objects.filter(kind=CertKind.EID, user=user)
        .select_related("cardactivation")
        .order_by("-created_at", "-pk")
    )


def sms_for_user(*, user: User) -> QuerySet[SmsMessage]:
    """The "phone" of the sandbox: messages of the institutions the user has VMátrix grants
    at, and messages sent to his own number. Other institutions' codes stay hidden."""
    institution_ids = Grant.objects.filter(user=user).values("institution_id")
    cond = Q(institution_id__in=institution_ids)
    if user.phone:
        cond |= Q(phone=user.phone)
    return (
        SmsMessage.objects.filter(cond).select_related("institution").order_by("-created_at", "-pk")
    )


def institution_users(*, institution: Institution) -> QuerySet[User]:
    """Users with a grant or an institution right at the institution (VMátrix page)."""
    return (
        User.objects.filter(
            Q(grants__institution=institution) | Q(institutionright__institution=institution)
        )
        .distinct()
        .order_by("user_id")
    )


def institution_grants(*, institution: Institution) -> QuerySet[Grant]:
    return (
        Grant.objects.filter(institution=institution)
        .select_related("user", "org_unit")
        .order_by("user__user_id", "org_unit__code", "role")
    )


def institution_rights(*, institution: Institution) -> QuerySet[InstitutionRight]:
    return (
        InstitutionRight.objects.filter(institution=institution)
        .select_related("user")
        .order_by("user__user_id", "right")
    )


def mask_phone(phone: str) -> str:
    """+36301234567 -> +36 30 ***-**67: enough to recognise one's own number."""
    digits = phone.replace(" ", "")
    if len(digits) < 6:
        return "***"
    if digits.startswith("+36") and len(digits) >= 9:
        return f"+36 {digits[3:5]} ***-**{digits[-2:]}"
    return f"{digits[:3]}***{digits[-2:]}"
