"""Writes to practices, companies, org units and staff. Every function is keyword-only,
transactional and audited, and needs no request (the demo loader and management commands call
them with `actor=None`; `request` only adds the client address to the audit entry).

Bad input raises ValidationError keyed by form field, in Hungarian; nothing is half-saved.
Companies, org units and staff are deactivated, never deleted: visits and EESZT submissions
keep pointing at them."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from zomanc.accounts.models import User
from zomanc.accounts.services import normalize_email, user_invite_send
from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_changes, audit_record
from zomanc.practices.models import Company, OrgUnit, Practice, Role, StaffMember


def _values(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in fields}


def _clean(obj: models.Model) -> None:
    """Field formats (regex validators, lengths); uniqueness is checked by the caller with
    a message that names the clash, and the database constraint is the last word."""
    obj.full_clean(validate_unique=False, validate_constraints=False)


def _audit_create(
    obj: models.Model,
    fields: list[str],
    *,
    practice: Practice,
    actor: User | None,
    summary: str,
    request: HttpRequest | None,
) -> None:
    audit_record(
        practice=practice,
        actor=actor,
        action=AuditAction.CREATE,
        obj=obj,
        summary=summary,
        changes={k: [None, v] for k, v in _values(obj, fields).items()},
        request=request,
    )


def _audit_update(
    obj: Practice | Company | OrgUnit | StaffMember,
    fields: list[str],
    *,
    before: dict[str, Any],
    actor: User | None,
    summary: str,
    request: HttpRequest | None,
) -> None:
    """An update entry with the field-level diff. A save that changed nothing leaves no entry,
    and the practice is only looked up when there is one to write (no extra query)."""
    changes = audit_changes(before, _values(obj, fields))
    if changes:
        audit_record(
            practice=obj if isinstance(obj, Practice) else obj.practice,
            actor=actor,
            action=AuditAction.UPDATE,
            obj=obj,
            summary=summary,
            changes=changes,
            request=request,
        )


# --- practice ---------------------------------------------------------------------------

PRACTICE_FIELDS = ["name", "phone", "require_owner_2fa"]


@transaction.atomic
def practice_create(*, name: str, require_owner_2fa: bool = False, phone: str = "") -> Practice:
    """A new tenant (signing up a customer, the demo loader). Its first owner comes next with
    staff_member_create."""
    practice = Practice(name=name.strip(), require_owner_2fa=require_owner_2fa, phone=phone.strip())
    _clean(practice)
    practice.save()
    return practice


@transaction.atomic
def practice_update(
    *,
    practice: Practice,
    actor: User | None,
    name: str,
    require_owner_2fa: bool,
    phone: str | None = None,
    request: HttpRequest | None = None,
) -> Practice:
    """`phone` None keeps the stored one."""
    before = _values(practice, PRACTICE_FIELDS)
    practice.name = name.strip()
    if phone is not None:
        practice.phone = phone.strip()
    practice.require_owner_2fa = require_owner_2fa
    _clean(practice)
    practice.save(update_fields=PRACTICE_FIELDS)
    _audit_update(
        practice,
        PRACTICE_FIELDS,
        before=before,
        actor=actor,
        summary=_("Rendelő beállításai módosítva"),
        request=request,
    )
    return practice


# --- companies --------------------------------------------------------------------------

COMPANY_FIELDS = ["name", "institution_name", "institution_id", "is_active"]


def normalize_code(value: str) -> str:
    """Institution ids and org unit codes are printed with spaces and in lower case on some
    papers; the register form is upper case without spaces."""
    return "".join(value.split()).upper()


def _check_institution_unique(company: Company) -> None:
    clash = (
        Company.objects.filter(practice=company.practice, institution_id=company.institution_id)
        .exclude(pk=company.pk)
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "institution_id": _(
                    "Ez az intézményazonosító már a(z) „%(name)s” céghez tartozik ebben a "
                    "rendelőben."
                )
                % {"name": clash.name}
            }
        )


def _save_unique(obj: models.Model, field: str, message: str, **kwargs: Any) -> None:
    """Saves; a unique-constraint clash (a concurrent request won the race) becomes a field
    error instead of a 500."""
    try:
        with transaction.atomic():
            obj.save(**kwargs)
    except IntegrityError as exc:
        raise ValidationError({field: message}) from exc


def _company_save(company: Company) -> None:
    """The checks and the save that creating and editing a company share."""
    _clean(company)
    _check_institution_unique(company)
    _save_unique(company, "institution_id", _("Ez az intézményazonosító már szerepel."))


@transaction.atomic
def company_create(
    *,
    practice: Practice,
    actor: User | None,
    name: str,
    institution_name: str,
    institution_id: str,
    request: HttpRequest | None = None,
) -> Company:
    company = Company(
        practice=practice,
        name=name.strip(),
        institution_name=institution_name.strip(),
        institution_id=normalize_code(institution_id),
    )
    _company_save(company)
    _audit_create(
        company,
        COMPANY_FIELDS,
        practice=practice,
        actor=actor,
        summary=_("Cég létrehozva: %(company)s") % {"company": company},
        request=request,
    )
    return company


@transaction.atomic
def company_update(
    *,
    company: Company,
    actor: User | None,
    name: str,
    institution_name: str,
    institution_id: str,
    request: HttpRequest | None = None,
) -> Company:
    before = _values(company, COMPANY_FIELDS)
    company.name = name.strip()
    company.institution_name = institution_name.strip()
    company.institution_id = normalize_code(institution_id)
    _company_save(company)
    _audit_update(
        company,
        COMPANY_FIELDS,
        before=before,
        actor=actor,
        summary=_("Cég módosítva: %(company)s") % {"company": company},
        request=request,
    )
    return company


def _set_active(
    obj: Company | OrgUnit | StaffMember,
    *,
    active: bool,
    practice: Practice,
    actor: User | None,
    summary: str,
    request: HttpRequest | None,
) -> None:
    if obj.is_active == active:
        return
    obj.is_active = active
    obj.save(update_fields=["is_active"])
    audit_record(
        practice=practice,
        actor=actor,
        action=AuditAction.UPDATE,
        obj=obj,
        summary=summary,
        changes={"is_active": [not active, active]},
        request=request,
    )


@transaction.atomic
def company_deactivate(
    *, company: Company, actor: User | None, request: HttpRequest | None = None
) -> Company:
    """The company stays (its visits and EESZT submissions refer to it) but is no longer
    offered for new work."""
    _set_active(
        company,
        active=False,
        practice=company.practice,
        actor=actor,
        summary=_("Cég inaktiválva: %(company)s") % {"company": company},
        request=request,
    )
    return company


@transaction.atomic
def company_reactivate(
    *, company: Company, actor: User | None, request: HttpRequest | None = None
) -> Company:
    _set_active(
        company,
        active=True,
        practice=company.practice,
        actor=actor,
        summary=_("Cég újra aktív: %(company)s") % {"company": company},
        request=request,
    )
    return company


# --- org units --------------------------------------------------------------------------

ORG_UNIT_FIELDS = ["code", "name", "is_active"]


def _check_org_unit_unique(unit: OrgUnit) -> None:
    clash = (
        OrgUnit.objects.filter(practice=unit.practice, company=unit.company, code=unit.code)
        .exclude(pk=unit.pk)
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {"code": _("Ez a kód már szerepel ennél a cégnél: %(name)s.") % {"name": clash.name}}
        )


def _org_unit_save(unit: OrgUnit) -> None:
    _clean(unit)
    _check_org_unit_unique(unit)
    _save_unique(unit, "code", _("Ez a kód már szerepel ennél a cégnél."))


@transaction.atomic
def org_unit_create(
    *,
    company: Company,
    actor: User | None,
    code: str,
    name: str,
    request: HttpRequest | None = None,
) -> OrgUnit:
    if not company.is_active:
        raise ValidationError(
            _("Inaktív céghez nem vehető fel szervezeti egység. Előbb aktiválja újra a céget.")
        )
    unit = OrgUnit(
        practice_id=company.practice_id, company=company, code=normalize_code(code), name=name
    )
    unit.name = unit.name.strip()
    _org_unit_save(unit)
    _audit_create(
        unit,
        ORG_UNIT_FIELDS,
        practice=company.practice,
        actor=actor,
        summary=_("Szervezeti egység létrehozva: %(unit)s (%(company)s)")
        % {"unit": unit, "company": company.name},
        request=request,
    )
    return unit


@transaction.atomic
def org_unit_update(
    *,
    org_unit: OrgUnit,
    actor: User | None,
    code: str,
    name: str,
    request: HttpRequest | None = None,
) -> OrgUnit:
    before = _values(org_unit, ORG_UNIT_FIELDS)
    org_unit.code = normalize_code(code)
    org_unit.name = name.strip()
    _org_unit_save(org_unit)
    _audit_update(
        org_unit,
        ORG_UNIT_FIELDS,
        before=before,
        actor=actor,
        summary=_("Szervezeti egység módosítva: %(unit)s") % {"unit": org_unit},
        request=request,
    )
    return org_unit


@transaction.atomic
def org_unit_deactivate(
    *, org_unit: OrgUnit, actor: User | None, request: HttpRequest | None = None
) -> OrgUnit:
    _set_active(
        org_unit,
        active=False,
        practice=org_unit.company.practice,
        actor=actor,
        summary=_("Szervezeti egység inaktiválva: %(unit)s") % {"unit": org_unit},
        request=request,
    )
    return org_unit


@transaction.atomic
def org_unit_reactivate(
    *, org_unit: OrgUnit, actor: User | None, request: HttpRequest | None = None
) -> OrgUnit:
    if not org_unit.company.is_active:
        raise ValidationError(
            _("Inaktív cég szervezeti egysége nem aktiválható. Előbb aktiválja újra a céget.")
        )
    _set_active(
        org_unit,
        active=True,
        practice=org_unit.company.practice,
        actor=actor,
        summary=_("Szervezeti egység újra aktív: %(unit)s") % {"unit": org_unit},
        request=request,
    )
    return org_unit


# --- staff ------------------------------------------------------------------------------

STAFF_FIELDS = ["role", "display_name", "stamp_number", "is_active"]


def _check_staff_rules(member: StaffMember) -> None:
    """A doctor signs with his stamp number; the number is unique in the practice (the
    message names the colleague who has it, so the owner can fix the right record)."""
    if member.role == Role.DOCTOR and not member.stamp_number:
        raise ValidationError(
            {"stamp_number": _("Orvos szerepkörhöz meg kell adni a pecsétszámot.")}
        )
    if member.stamp_number:
        clash = (
            StaffMember.objects.filter(
                practice_id=member.practice_id, stamp_number=member.stamp_number
            )
            .exclude(pk=member.pk)
            .first()
        )
        if clash is not None:
            raise ValidationError(
                {
                    "stamp_number": _(
                        "A(z) %(stamp)s pecsétszám már %(name)s munkatársé ebben a rendelőben."
                    )
                    % {"stamp": member.stamp_number, "name": clash.display_name}
                }
            )


def _staff_member_save(member: StaffMember) -> None:
    _clean(member)
    _check_staff_rules(member)
    _save_unique(member, "stamp_number", _("Ez a pecsétszám már foglalt ebben a rendelőben."))


def _check_keeps_an_owner(member: StaffMember, *, new_role: str, new_active: bool) -> None:
    """A practice always keeps at least one active owner: otherwise nobody could reach the
    settings, the audit log or the staff list again."""
    if member.role != Role.OWNER or not member.is_active:
        return
    if new_role == Role.OWNER and new_active:
        return
    others = (
        StaffMember.objects.filter(practice_id=member.practice_id, role=Role.OWNER, is_active=True)
        .exclude(pk=member.pk)
        .exists()
    )
    if not others:
        raise ValidationError(
            {
                "role": _(
                    "A rendelőnek legalább egy aktív tulajdonosa kell legyen. Előbb adjon "
                    "tulajdonosi szerepkört egy másik munkatársnak."
                )
            }
        )


@transaction.atomic
def staff_member_create(
    *,
    practice: Practice,
    actor: User | None,
    email: str,
    role: str,
    full_name: str = "",
    display_name: str = "",
    stamp_number: str = "",
    password: str | None = None,
    request: HttpRequest | None = None,
) -> StaffMember:
    """Adds a colleague. A new e-mail address creates the account: with `password` (demo
    loader) it is set directly, otherwise the colleague gets an e-mail link to set his own
    password (sent after the transaction commits). An existing account (he works in another
    practice too) only gets the new membership."""
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": _("Adjon meg érvényes e-mail címet.")}) from exc
    if role not in Role.values:
        raise ValidationError({"role": _("Válasszon szerepkört.")})
    user = User.objects.filter(email=email).first()
    created = user is None
    if user is None:
        full_name = full_name.strip()
        if not full_name:
            raise ValidationError({"full_name": _("Új felhasználónál adja meg a teljes nevet.")})
        user = User.objects.create_user(email, password, full_name=full_name)
    else:
        existing = StaffMember.objects.filter(practice=practice, user=user).first()
        if existing is not None:
            raise ValidationError(
                {
                    "email": _("%(name)s már munkatárs ebben a rendelőben%(state)s.")
                    % {
                        "name": existing.display_name,
                        "state": "" if existing.is_active else _(" (inaktív: aktiválja újra)"),
                    }
                }
            )
    member = StaffMember(
        practice=practice,
        user=user,
        role=role,
        display_name=(display_name.strip() or user.full_name or email),
        stamp_number=stamp_number.strip(),
    )
    _staff_member_save(member)
    _audit_create(
        member,
        STAFF_FIELDS,
        practice=practice,
        actor=actor,
        summary=_("Munkatárs felvéve: %(name)s (%(email)s, %(role)s)")
        % {"name": member.display_name, "email": email, "role": member.get_role_display()},
        request=request,
    )
    if created and password is None:
        new_user = user
        transaction.on_commit(
            lambda: user_invite_send(
                user=new_user, practice=practice, invited_by=actor, request=request
            )
        )
    return member


@transaction.atomic
def staff_member_update(
    *,
    member: StaffMember,
    actor: User | None,
    role: str,
    display_name: str,
    stamp_number: str,
    request: HttpRequest | None = None,
) -> StaffMember:
    if role not in Role.values:
        raise ValidationError({"role": _("Válasszon szerepkört.")})
    _check_keeps_an_owner(member, new_role=role, new_active=member.is_active)
    before = _values(member, STAFF_FIELDS)
    member.role = role
    member.display_name = display_name.strip()
    member.stamp_number = stamp_number.strip()
    _staff_member_save(member)
    _audit_update(
        member,
        STAFF_FIELDS,
        before=before,
        actor=actor,
        summary=_("Munkatárs módosítva: %(name)s") % {"name": member.display_name},
        request=request,
    )
    return member


@transaction.atomic
def staff_member_deactivate(
    *, member: StaffMember, actor: User | None, request: HttpRequest | None = None
) -> StaffMember:
    """He can no longer act for this practice (his other practices are unaffected); his
    name stays on everything he signed."""
    _check_keeps_an_owner(member, new_role=member.role, new_active=False)
    _set_active(
        member,
        active=False,
        practice=member.practice,
        actor=actor,
        summary=_("Munkatárs inaktiválva: %(name)s") % {"name": member.display_name},
        request=request,
    )
    return member


@transaction.atomic
def staff_member_reactivate(
    *, member: StaffMember, actor: User | None, request: HttpRequest | None = None
) -> StaffMember:
    _set_active(
        member,
        active=True,
        practice=member.practice,
        actor=actor,
        summary=_("Munkatárs újra aktív: %(name)s") % {"name": member.display_name},
        request=request,
    )
    return member
