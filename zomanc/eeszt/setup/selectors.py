"""Reads of the EESZT setup: readiness of a company, the setup checklist (S12), certificate
expiry warnings (for anyone's banner), the users table. Fetching a company by URL id goes
through `access_eeszt_company`, which 404s on another practice's id."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zomanc.eeszt.models import (
    CertificateStatus,
    EesztCertificate,
    EesztMemberProfile,
    EesztSession,
    EesztSettings,
    LoginMethod,
)
from zomanc.practices.models import (
    Company,
    OrgUnit,
    Practice,
    StaffMember,
    institution_id_validator,
    org_unit_code_validator,
)
from zomanc.practices.permissions import MATRIX, Perm, member_can
from zomanc.practices.selectors import access_company

EXPIRY_WARNING_DAYS = 30


def access_eeszt_company(member: StaffMember, company_id: int) -> Company:
    return access_company(member, company_id)


def eeszt_settings_get(*, company: Company) -> EesztSettings | None:
    return EesztSettings.objects.filter(practice_id=company.practice_id, company=company).first()


def eeszt_certificates(*, company: Company) -> dict[str, EesztCertificate]:
    """{"active": …, "pending": …} — whichever exist (one query)."""
    rows = EesztCertificate.objects.filter(
        practice_id=company.practice_id,
        company=company,
        status__in=[CertificateStatus.ACTIVE, CertificateStatus.PENDING],
    )
    return {row.status: row for row in rows}


def eeszt_active_org_units(*, company: Company) -> list[OrgUnit]:
    return list(
        OrgUnit.objects.filter(
            practice_id=company.practice_id, company=company, is_active=True
        ).order_by("code")
    )


@dataclass
class EesztUserRow:
    member: StaffMember
    portal_username: str
    login_method: str
    login_method_label: str
    has_logged_in: bool


def eeszt_users(*, company: Company) -> list[EesztUserRow]:
    """Active members whose role may use EESZT (Perm.EESZT_USE: owners, doctors, assistants,
    and anyone with a stamp number), with their EESZT username and login method (three
    queries however many members). Doctors' usernames default to "O" + stamp number; the
    others' are whatever the sector portal gave them (e.g. an assistant's ASSZ…)."""
    may_use = Q(role__in=list(MATRIX[Perm.EESZT_USE])) | ~Q(stamp_number="")
    members = [
        m
        for m in StaffMember.objects.filter(practice_id=company.practice_id, is_active=True)
        .filter(may_use)
        .select_related("user")
        .order_by("display_name", "pk")
        if member_can(m, Perm.EESZT_USE)
    ]
    profiles = {
        p.member_id: p
        for p in EesztMemberProfile.objects.filter(
            practice_id=company.practice_id, member__in=members
        )
    }
    # Each member's last EESZT login method (oldest first: the newest wins in the dict).
    last_method = dict(
        EesztSession.objects.filter(
            practice_id=company.practice_id, company=company, member__in=members
        )
        .order_by("created_at", "pk")
        .values_list("member_id", "login_method")
    )
    labels = dict(LoginMethod.choices)
    rows = []
    for m in members:
        profile = profiles.get(m.pk)
        # One source of truth for the table and the checklist: the method chosen here, else
        # the one he last logged in with (a login makes the method known — the checklist
        # said "kész" while the table said "nincs kiválasztva").
        method = (profile.login_method if profile else "") or last_method.get(m.pk, "")
        rows.append(
            EesztUserRow(
                member=m,
                portal_username=profile.portal_username
                if profile
                else (f"O{m.stamp_number}" if m.stamp_number else ""),
                login_method=method,
                login_method_label=str(labels.get(method, "")),
                has_logged_in=m.pk in last_method,
            )
        )
    return rows


def eeszt_refdata_warnings(*, settings_row: EesztSettings | None, company: Company) -> list[str]:
    """The last reference-data check's warnings that still apply: one about an org unit
    deactivated (or deleted) since then is left out — the unit no longer reports to EESZT.
    Stored as text, or as {"text", "org_unit"} for a unit's warning (services.py)."""
    if settings_row is None or not settings_row.refdata_warnings:
        return []
    active_codes = {u.code for u in eeszt_active_org_units(company=company)}
    warnings = []
    for entry in settings_row.refdata_warnings:
        if isinstance(entry, dict):
            if entry.get("org_unit") not in active_codes:
                continue
            warnings.append(str(entry.get("text", "")))
        else:
            warnings.append(str(entry))
    return warnings


def _format_errors(validator: object, value: str) -> bool:
    try:
        validator(value)  # type: ignore[operator]
    except ValidationError:
        return False
    return True


def eeszt_missing_items(*, company: Company, include_certificate: bool = True) -> list[str]:
    """What still stops "EESZT modul bekapcsolása", each item named (empty = ready)."""
    missing: list[str] = []
    if not company.institution_name.strip():
        missing.append(_("Az intézmény (rendelő) neve hiányzik."))
    if not company.institution_id or not _format_errors(
        institution_id_validator, company.institution_id
    ):
        missing.append(_("Az intézményazonosító (OTH szám) hiányzik vagy hibás."))
    units = eeszt_active_org_units(company=company)
    if not units:
        missing.append(_("Nincs megadva szervezeti egység kód."))
    for unit in units:
        if not _format_errors(org_unit_code_validator, unit.code):
            missing.append(
                _("A(z) „%(name)s” szervezeti egység kódja hibás: %(code)s.")
                % {"name": unit.name, "code": unit.code}
            )
    if (
        not StaffMember.objects.filter(practice_id=company.practice_id, is_active=True)
        .exclude(stamp_number="")
        .exists()
    ):
        missing.append(_("Nincs orvos pecsétszámmal (orvosok nevei + pecsétszámok)."))
    if include_certificate:
        active = eeszt_certificates(company=company).get(CertificateStatus.ACTIVE)
        if active is None:
            missing.append(_("Nincs feltöltött SSL tanúsítvány (az SMS kóddal együtt)."))
        elif active.not_after <= timezone.now():
            missing.append(_("Az SSL tanúsítvány lejárt, töltsön fel újat."))
        elif active.institution_id != company.institution_id:
            missing.append(
                _(
                    "Az SSL tanúsítvány a(z) %(cert)s intézményé, a cég azonosítója viszont "
                    "%(ours)s."
                )
                % {"cert": active.institution_id, "ours": company.institution_id}
            )
    return missing


@dataclass(frozen=True)
class CertificateWarning:
    company: Company
    certificate: EesztCertificate
    days_left: int
    expired: bool

    @property
    def message(self) -> str:
        if self.expired:
            return _(
                "%(company)s: az EESZT SSL tanúsítvány lejárt (%(date)s). Az EESZT beküldések "
                "szünetelnek, töltsön fel új tanúsítványt (Beállítások / EESZT)."
            ) % {"company": self.company.name, "date": _date(self.certificate.not_after)}
        return _(
            "%(company)s: az EESZT SSL tanúsítvány %(days)d nap múlva lejár (%(date)s). "
            "Töltsön le újat az ágazati portálon, és töltse fel (Beállítások / EESZT)."
        ) % {
            "company": self.company.name,
            "days": self.days_left,
            "date": _date(self.certificate.not_after),
        }


def _date(value: dt.datetime) -> str:
    return f"{timezone.localtime(value):%Y.%m.%d.}"


def eeszt_certificate_warnings(
    *, practice: Practice, at: dt.datetime | None = None
) -> list[CertificateWarning]:
    """Active certificates that expire within 30 days or have expired — for a banner on any
    page (one query)."""
    now = at or timezone.now()
    rows = EesztCertificate.objects.filter(
        practice=practice,
        status=CertificateStatus.ACTIVE,
        not_after__lte=now + dt.timedelta(days=EXPIRY_WARNING_DAYS),
    ).select_related("company")
    return [
        CertificateWarning(
            company=row.company,
            certificate=row,
            days_left=max(0, (row.not_after - now).days),
            expired=row.not_after <= now,
        )
        for row in rows.order_by("not_after")
    ]


ItemState = Literal["done", "missing", "warning", "info", "not_checked", "browser"]


@dataclass
class ChecklistItem:
    step: str
    title: str
    state: ItemState
    detail: str = ""
    details: list[str] = field(default_factory=list)
    link: str = ""
    link_label: str = ""


def _vmatrix_item(certs: list[EesztCertificate]) -> ChecklistItem:
    """Step 7 as the last connection test saw it: rights are only visible on a real call."""
    item = ChecklistItem(
        step="7",
        title=_("VMátrix jogosultságok"),
        state="not_checked",
        detail=_(
            "Még nem ellenőrzött: a jogosultság egy EESZT próbahívásnál látszik (lépjen be az "
            "EESZT-be, és futtassa a „Kapcsolat ellenőrzése” tesztet). Ha hiányzik, az "
            "intézmény jogosultság-adminisztrátora az ágazati portálon rendelheti hozzá."
        ),
    )
    tested = [c for c in certs if c.last_test_at is not None]
    if not tested:
        return item
    last = max(tested, key=lambda c: c.last_test_at or timezone.now())
    rights = next((s for s in last.last_test_report if s.get("key") == "rights"), None)
    if rights is None or rights.get("state") not in ("ok", "failed"):
        return item
    assert last.last_test_at is not None
    when = f"{timezone.localtime(last.last_test_at):%Y.%m.%d. %H:%M}"
    if rights["state"] == "ok":
        item.state = "done"
        item.detail = _("Rendben a legutóbbi kapcsolatellenőrzés szerint (%(when)s).") % {
            "when": when
        }
    else:
        item.state = "missing"
        item.detail = _("Hiányzik a legutóbbi kapcsolatellenőrzés szerint (%(when)s):") % {
            "when": when
        }
    item.details = [str(line) for line in rights.get("details", [])]
    return item


def eeszt_checklist(*, company: Company) -> list[ChecklistItem]:
    """The guide's steps as a live checklist (S12)."""
    users = eeszt_users(company=company)
    certs = eeszt_certificates(company=company)
    settings_row = eeszt_settings_get(company=company)
    now = timezone.now()
    items: list[ChecklistItem] = []
    usernames = ", ".join(u.portal_username for u in users if u.portal_username) or _(
        "(még nincs megadva)"
    )
    items.append(
        ChecklistItem(
            step="1",
            title=_("eKapu regisztráció, ágazati portál felhasználó"),
            state="info",
            detail=_(
                "Az EESZT információs portálon végzett regisztráció nem látható innen. "
                "Portál felhasználónevek: %(names)s."
            )
            % {"names": usernames},
        )
    )
    items.append(
        ChecklistItem(
            step="2–4",
            title=_("Kártyaolvasó, illesztőprogram, eSzemélyi kliens → kártyaszolgáltatás"),
            state="browser",
            detail=_("Ezen a gépen a böngésző ellenőrzi, hogy fut-e a Zománc kártyaszolgáltatás."),
        )
    )
    items.append(
        ChecklistItem(
            step="5",
            title=_("Aktiválás az ágazati portálon"),
            state="info",
            detail=_(
                "Minden orvos lépjen be az ágazati portálra, és aktiválja magát (eSzemélyi "
                "kártya, 6 jegyű PIN)."
            ),
            link=settings.EESZT_PORTAL_URL,
            link_label=_("Ágazati portál megnyitása"),
        )
    )
    active, pending = certs.get(CertificateStatus.ACTIVE), certs.get(CertificateStatus.PENDING)
    if active is None:
        cert_item = ChecklistItem("6", _("SSL tanúsítvány"), "missing", _("Nincs feltöltve."))
    elif active.not_after <= now:
        cert_item = ChecklistItem("6", _("SSL tanúsítvány"), "missing", _("Lejárt."))
    elif active.not_after <= now + dt.timedelta(days=EXPIRY_WARNING_DAYS):
        cert_item = ChecklistItem(
            "6",
            _("SSL tanúsítvány"),
            "warning",
            _("%(days)d nap múlva lejár (%(date)s).")
            % {"days": (active.not_after - now).days, "date": _date(active.not_after)},
        )
    else:
        cert_item = ChecklistItem(
            "6",
            _("SSL tanúsítvány"),
            "done",
            # The date ends in its own full stop ("2027.12.07."): none after it.
            _("Érvényes eddig: %(date)s") % {"date": _date(active.not_after)},
        )
    if pending is not None:
        cert_item.details.append(
            _("Új tanúsítvány vár kapcsolatellenőrzésre; addig a régi marad használatban.")
        )
        if cert_item.state == "done":
            cert_item.state = "warning"
    items.append(cert_item)
    items.append(_vmatrix_item([c for c in (active, pending) if c is not None]))
    missing = eeszt_missing_items(company=company, include_certificate=False)
    warnings = eeszt_refdata_warnings(settings_row=settings_row, company=company)
    items.append(
        ChecklistItem(
            step="8",
            title=_("EESZT modul adatai"),
            state="missing" if missing else ("warning" if warnings else "done"),
            detail=(
                _("Hiányzik:")
                if missing
                else (_("Kitöltve, de a törzsadatok szerint:") if warnings else _("Kitöltve."))
            ),
            details=missing or warnings,
        )
    )
    # The reporting doctors must be able to log in; other EESZT users are optional.
    doctors = [u for u in users if u.member.stamp_number]
    login_item = ChecklistItem(
        step="9",
        title=_("Orvosok bejelentkezési módja"),
        state="done",
        detail="",
    )
    if not doctors:
        login_item.state = "missing"
        login_item.detail = _("Nincs orvos pecsétszámmal.")
    for d in doctors:
        if d.has_logged_in:
            line = _("%(name)s: kész (%(method)s), már bejelentkezett az EESZT-be.") % {
                "name": d.member.display_name,
                "method": d.login_method_label,
            }
        elif d.login_method:
            line = _("%(name)s: %(method)s — még nem jelentkezett be az EESZT-be.") % {
                "name": d.member.display_name,
                "method": d.login_method_label,
            }
            if login_item.state == "done":
                login_item.state = "warning"
        else:
            line = _("%(name)s: nincs kiválasztva bejelentkezési mód.") % {
                "name": d.member.display_name
            }
            login_item.state = "missing"
        login_item.details.append(line)
    items.append(login_item)
    return items
