"""Writes of the EESZT setup: settings, the module switch, reference-data check, member EESZT
identities, certificates (upload, test, activation) and the connection test.

Keyword-only, transactional, typed; bad input raises ValidationError in Hungarian and
nothing is half-saved. Secrets go through the vault only; nothing here logs them."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.eeszt.client.errors import EesztError
from zomanc.eeszt.context import (
    default_portal_username,
    eeszt_call_context,
    eeszt_connection_for_certificate,
    eeszt_role_for,
    eeszt_user_id_for,
)
from zomanc.eeszt.models import (
    CertificateStatus,
    EesztCertificate,
    EesztMemberProfile,
    EesztSettings,
    LoginMethod,
)
from zomanc.eeszt.sessions import eeszt_session_active, eeszt_session_end
from zomanc.eeszt.setup import certificates as certs
from zomanc.eeszt.setup import connection
from zomanc.eeszt.setup.refdata import RefdataUnavailable, refdata_index
from zomanc.eeszt.setup.selectors import eeszt_active_org_units, eeszt_missing_items
from zomanc.eeszt.vault import vault_destroy, vault_encrypt
from zomanc.practices.models import Company, StaffMember
from zomanc.practices.permissions import Perm, member_can
from zomanc.practices.selectors import doctors as practice_doctors


def eeszt_settings_for(*, company: Company) -> EesztSettings:
    """The company's EESZT settings row, created (switched off) on first use."""
    row, _created = EesztSettings.objects.get_or_create(
        company=company, defaults={"practice_id": company.practice_id}
    )
    return row


# --- reference-data check ----------------------------------------------------------------


def eeszt_refdata_check(*, company: Company) -> list[str]:
    """Looks the company's institution id, org-unit codes and doctors' stamp numbers up in
    the reference data; stores and returns the warnings (Hungarian sentences naming each
    unknown item). Never refuses anything: the register may be behind reality."""
    units = list(company.org_units.filter(is_active=True).order_by("code"))
    doctors = list(practice_doctors(practice=company.practice))
    warnings: list[str] = []
    unit_warnings: dict[int, str] = {}  # warning's index → its org unit's code
    try:
        institutions = refdata_index("institution")
        org_units = refdata_index("org_unit")
        doctor_register = refdata_index("doctor")
    except RefdataUnavailable:
        warnings.append(
            _(
                "Az EESZT törzsadat-szolgáltatás nem érhető el, ezért az azonosítók létezését "
                "most nem sikerült ellenőrizni (a formátumuk rendben van). Próbálja később "
                "az „Ellenőrzés a törzsadatokban” gombbal."
            )
        )
    else:
        if company.institution_id and institutions.get(company.institution_id) is None:
            warnings.append(
                _("A(z) %(id)s intézményazonosító nem szerepel az EESZT törzsadatokban.")
                % {"id": company.institution_id}
            )
        for unit in units:
            row = org_units.get(unit.code)
            if row is None:
                unit_warnings[len(warnings)] = unit.code
                warnings.append(
                    _(
                        "A(z) %(code)s szervezeti egység kód (%(name)s) nem szerepel az EESZT "
                        "törzsadatokban."
                    )
                    % {"code": unit.code, "name": unit.name}
                )
            elif str(row.get("institutionId", "")).upper() != company.institution_id:
                unit_warnings[len(warnings)] = unit.code
                warnings.append(
                    _(
                        "A(z) %(code)s szervezeti egység a törzsadatok szerint a(z) %(other)s "
                        "intézményhez tartozik, nem a(z) %(ours)s intézményhez."
                    )
                    % {
                        "code": unit.code,
                        "other": row.get("institutionId", "?"),
                        "ours": company.institution_id,
                    }
                )
        for doctor in doctors:
            if doctor_register.get(doctor.stamp_number) is None:
                warnings.append(
                    _("%(name)s pecsétszáma (%(stamp)s) nem szerepel az EESZT orvos-törzsben.")
                    % {"name": doctor.display_name, "stamp": doctor.stamp_number}
                )
    with transaction.atomic():
        settings_row = eeszt_settings_for(company=company)
        # A unit's warning keeps its code: deactivating the unit retires the warning
        # (selectors.eeszt_refdata_warnings) without a new check.
        settings_row.refdata_warnings = [
            {"text": text, "org_unit": unit_warnings[i]} if i in unit_warnings else text
            for i, text in enumerate(warnings)
        ]
        settings_row.refdata_checked_at = timezone.now()
        settings_row.save(update_fields=["refdata_warnings", "refdata_checked_at"])
    return warnings


# --- module switch -----------------------------------------------------------------------


def _readiness(company: Company) -> list[str]:
    return eeszt_missing_items(company=company)


@transaction.atomic
def eeszt_module_enable(
    *, company: Company, actor: StaffMember, request: HttpRequest | None = None
) -> EesztSettings:
    """ "EESZT modul bekapcsolása": only when every field is complete and a valid certificate
    is in place; otherwise a ValidationError naming each missing item."""
    missing = _readiness(company)
    if missing:
        raise ValidationError(missing)
    row = EesztSettings.objects.select_for_update().get(pk=eeszt_settings_for(company=company).pk)
    if not row.module_enabled:
        row.module_enabled = True
        row.enabled_at = timezone.now()
        row.enabled_by = actor
        row.save(update_fields=["module_enabled", "enabled_at", "enabled_by"])
        audit_record(
            practice=company.practice,
            actor=actor.user,
            action=AuditAction.UPDATE,
            obj=row,
            summary=_("EESZT modul bekapcsolva: %(company)s") % {"company": company},
            changes={"module_enabled": [False, True]},
            request=request,
        )
    return row


@transaction.atomic
def eeszt_module_disable(
    *, company: Company, actor: StaffMember, request: HttpRequest | None = None
) -> EesztSettings:
    row = EesztSettings.objects.select_for_update().get(pk=eeszt_settings_for(company=company).pk)
    if row.module_enabled:
        row.module_enabled = False
        row.save(update_fields=["module_enabled"])
        audit_record(
            practice=company.practice,
            actor=actor.user,
            action=AuditAction.UPDATE,
            obj=row,
            summary=_("EESZT modul kikapcsolva: %(company)s") % {"company": company},
            changes={"module_enabled": [True, False]},
            request=request,
        )
    return row


# --- member EESZT identity ---------------------------------------------------------------


def _no_session_reason(member: StaffMember) -> str:
    """Why the login stage was not checked, saying what the member can actually do: log in,
    or (without an EESZT user id) have one set, or leave the test to someone who has one."""

    if not eeszt_user_id_for(member):
        return _(
            "Önnek (%(name)s) nincs EESZT felhasználója megadva ezen az oldalon, ezért nem "
            "tud belépni az EESZT-be. A belépést és a VMátrix jogosultságot egy EESZT "
            "felhasználóval rendelkező munkatárs ellenőrizheti, vagy adja meg itt a saját "
            "ágazati portál felhasználónevét."
        ) % {"name": member.display_name}
    return _(
        "Ön (%(name)s) nincs belépve az EESZT-be ennél a cégnél: lépjen be, majd "
        "ellenőrizze újra a kapcsolatot."
    ) % {"name": member.display_name}


@transaction.atomic
def eeszt_member_profile_update(
    *,
    member: StaffMember,
    actor: StaffMember,
    portal_username: str,
    login_method: str,
    request: HttpRequest | None = None,
) -> EesztMemberProfile:
    """Sets the EESZT (sector portal) user id of any member whose role may use EESZT:
    doctors ("O" + stamp number), assistants, owners. A receptionist never logs in to EESZT."""
    if not member_can(member, Perm.EESZT_USE):
        raise ValidationError(
            _(
                "%(name)s szerepköre nem használhatja az EESZT-t, ezért nem kaphat EESZT "
                "felhasználót."
            )
            % {"name": member.display_name}
        )
    username = portal_username.strip().upper()
    errors: dict[str, str] = {}
    expected = default_portal_username(member)
    if not username:
        errors["portal_username"] = _("Adja meg az ágazati portál felhasználónevét.")
    elif expected and username != expected:
        errors["portal_username"] = _(
            "Orvos felhasználóneve az „O” betű és a pecsétszám: %(expected)s."
        ) % {"expected": expected}
    elif not (3 <= len(username) <= 40 and username.isalnum()):
        errors["portal_username"] = _("A felhasználónév 3–40 betű vagy számjegy.")
    if login_method and login_method not in LoginMethod.values:
        errors["login_method"] = _("Válasszon bejelentkezési módot a listából.")
    if errors:
        raise ValidationError(errors)
    profile, created = EesztMemberProfile.objects.select_for_update().get_or_create(
        member=member,
        defaults={"practice_id": member.practice_id, "portal_username": username},
    )
    before = {"portal_username": profile.portal_username, "login_method": profile.login_method}
    profile.portal_username = username
    profile.login_method = login_method
    profile.save()
    after = {"portal_username": username, "login_method": login_method}
    if before != after or created:
        audit_record(
            practice=member.practice,
            actor=actor.user,
            action=AuditAction.UPDATE,
            obj=profile,
            summary=_("EESZT felhasználói adatok: %(name)s") % {"name": member.display_name},
            changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
            request=request,
        )
    return profile


# --- certificates ------------------------------------------------------------------------


@transaction.atomic
def eeszt_certificate_upload(
    *,
    company: Company,
    actor: StaffMember,
    data: bytes,
    password: str,
    request: HttpRequest | None = None,
) -> EesztCertificate:
    """Checks the file (certificates.check_pkcs12; CertificateRejected carries the Hungarian
    reason) and stores it sealed. The first certificate of a company becomes active at once;
    a replacement waits as "pending" until it passes a connection test, so a wrong file can
    never cut a working practice off EESZT. A second upload replaces an untested pending one."""
    checked = certs.check_pkcs12(data, password, institution_id=company.institution_id)
    current = (
        EesztCertificate.objects.select_for_update()
        .filter(practice_id=company.practice_id, company=company)
        .exclude(status=CertificateStatus.RETIRED)
    )
    active = next((c for c in current if c.status == CertificateStatus.ACTIVE), None)
    for pending in (c for c in current if c.status == CertificateStatus.PENDING):
        _retire(pending)
    if active is not None and active.fingerprint_sha256 == checked.fingerprint_sha256:
        raise ValidationError({"file": _("Ez a tanúsítvány már használatban van ennél a cégnél.")})
    now = timezone.now()
    cert = EesztCertificate(
        practice_id=company.practice_id,
        company=company,
        status=CertificateStatus.PENDING if active else CertificateStatus.ACTIVE,
        subject=checked.subject,
        issuer=checked.issuer,
        serial_hex=checked.serial_hex,
        fingerprint_sha256=checked.fingerprint_sha256,
        institution_id=checked.institution_id,
        not_before=checked.not_before,
        not_after=checked.not_after,
        uploaded_by=actor,
        activated_at=None if active else now,
    )
    cert.pkcs12_secret = vault_encrypt(data, purpose=cert.pkcs12_purpose, practice=company.practice)
    cert.password_secret = vault_encrypt(
        password.encode(), purpose=cert.password_purpose, practice=company.practice
    )
    cert.save()
    audit_record(
        practice=company.practice,
        actor=actor.user,
        action=AuditAction.CREATE,
        obj=cert,
        summary=_("EESZT tanúsítvány feltöltve (%(status)s): %(subject)s, sorozatszám %(serial)s")
        % {"status": cert.get_status_display(), "subject": cert.subject, "serial": cert.serial_hex},
        request=request,
    )
    return cert


def _retire(cert: EesztCertificate) -> None:
    """A replaced certificate is kept as a record (subject, serial, dates) but its key and
    code are destroyed: nothing should be able to use it any more."""
    secrets_ = [cert.pkcs12_secret, cert.password_secret]
    cert.status = CertificateStatus.RETIRED
    cert.retired_at = timezone.now()
    cert.pkcs12_secret = None
    cert.password_secret = None
    cert.save(update_fields=["status", "retired_at", "pkcs12_secret", "password_secret"])
    for secret in secrets_:
        vault_destroy(secret)


@transaction.atomic
def certificate_activate_after_test(
    *, company: Company, pending: EesztCertificate, test_ok: bool
) -> EesztCertificate:
    """The hook the connection test calls: a pending certificate that passed becomes active
    and the old one is retired; one that failed stays pending, the old one stays in use."""
    cert = EesztCertificate.objects.select_for_update().get(
        pk=pending.pk, practice_id=company.practice_id, company=company
    )
    if not test_ok or cert.status != CertificateStatus.PENDING:
        return cert
    for old in EesztCertificate.objects.select_for_update().filter(
        practice_id=company.practice_id, company=company, status=CertificateStatus.ACTIVE
    ):
        _retire(old)
    cert.status = CertificateStatus.ACTIVE
    cert.activated_at = timezone.now()
    cert.save(update_fields=["status", "activated_at"])
    audit_record(
        practice=company.practice,
        actor=None,
        action=AuditAction.UPDATE,
        obj=cert,
        summary=_("Új EESZT tanúsítvány aktiválva sikeres kapcsolatteszt után: %(serial)s")
        % {"serial": cert.serial_hex},
        changes={"status": [CertificateStatus.PENDING, CertificateStatus.ACTIVE]},
    )
    return cert


@dataclass(frozen=True)
class ConnectionTestOutcome:
    certificate: EesztCertificate
    stages: list[connection.StageResult]
    ok: bool  # the certificate passed (what a pending replacement waits for)
    activated: bool

    @property
    def problems(self) -> bool:
        return any(s.state == "failed" for s in self.stages)

    @property
    def complete(self) -> bool:
        return all(s.state == "ok" for s in self.stages)


def eeszt_connection_test(*, company: Company, member: StaffMember) -> ConnectionTestOutcome:
    """ "Kapcsolat ellenőrzése": tests the pending certificate if there is one (that is what
    a replacement waits for), else the active one — through the client adapter, with the
    member's EESZT login for the login and VMátrix stages; records the result on the
    certificate. Not one transaction: the network calls must not hold database locks."""
    cert = (
        EesztCertificate.objects.filter(
            practice_id=company.practice_id, company=company, status=CertificateStatus.PENDING
        ).first()
        or EesztCertificate.objects.filter(
            practice_id=company.practice_id, company=company, status=CertificateStatus.ACTIVE
        ).first()
    )
    if cert is None:
        raise ValidationError(_("Nincs feltöltött tanúsítvány, előbb töltse fel."))
    session = eeszt_session_active(member=member, company=company)
    role = eeszt_role_for(member)
    probes = (
        [
            connection.RightsProbe(
                org_unit_code=unit.code,
                org_unit_name=unit.name,
                ctx=eeszt_call_context(session=session, company=company, org_unit=unit, role=role),
            )
            for unit in eeszt_active_org_units(company=company)
        ]
        if session is not None
        else []
    )
    try:
        conn = eeszt_connection_for_certificate(cert)
    except EesztError as exc:
        stages = [
            connection.StageResult("tls", _("TLS kapcsolat"), "failed", exc.message, code=exc.code),
            connection.StageResult("certificate", _("Tanúsítvány"), "not_checked", ""),
            connection.StageResult("login", _("Bejelentkezés"), "not_checked", ""),
            connection.StageResult("rights", _("Jogosultság (VMátrix)"), "not_checked", ""),
        ]
    else:
        stages = connection.connection_test(
            conn=conn,
            probe_user_id=eeszt_user_id_for(member) or _probe_user_id(company),
            probes=probes,
            test_taj=settings.EESZT_TEST_PATIENT_TAJ,
            session_label=(
                _("Az EESZT elfogadta %(user)s belépését (%(until)s-ig érvényes).")
                % {
                    "user": session.eeszt_user_id,
                    "until": f"{timezone.localtime(session.not_on_or_after):%H:%M}",
                }
                if session is not None
                else ""
            ),
            no_session_reason=_no_session_reason(member),
        )
    login_stage = next(s for s in stages if s.key == "login")
    if session is not None and login_stage.state == "failed":
        # EESZT no longer accepts it: stop showing it as valid and counting on it.
        eeszt_session_end(session=session, reason="expired")
    for stage in stages:
        if stage.key == "rights" and stage.state != "not_checked":
            stage.details.insert(
                0,
                _("Ellenőrizte: %(name)s (%(user)s)")
                % {"name": member.display_name, "user": session.eeszt_user_id if session else ""},
            )
    ok = connection.connection_ok(stages)
    was_pending = cert.status == CertificateStatus.PENDING
    cert.last_test_at = timezone.now()
    cert.last_test_ok = ok
    cert.last_test_report = [s.as_dict() for s in stages]
    cert.save(update_fields=["last_test_at", "last_test_ok", "last_test_report"])
    if was_pending:
        cert = certificate_activate_after_test(company=company, pending=cert, test_ok=ok)
    return ConnectionTestOutcome(
        certificate=cert,
        stages=stages,
        ok=ok,
        activated=was_pending and cert.status == CertificateStatus.ACTIVE,
    )


def _probe_user_id(company: Company) -> str:
    """Someone to ask a challenge for when the tester has no EESZT user id: a doctor of the
    practice (the IDP answering at all is what the certificate stage needs)."""
    doctor = practice_doctors(practice=company.practice).first()
    return default_portal_username(doctor) if doctor is not None else "O00000"
