"""The permission matrix, in one place. Views, API endpoints and templates ask `member_can`;
nothing else decides who may do what. docs/permissions.md mirrors this table."""

from enum import StrEnum

from zomanc.practices.models import Role, StaffMember


class Perm(StrEnum):
    PATIENT_VIEW = "patient_view"
    PATIENT_EDIT = "patient_edit"
    APPOINTMENT_EDIT = "appointment_edit"
    CLINICAL_VIEW = "clinical_view"  # chart, notes, diagnoses, procedures, tooth chart
    CLINICAL_EDIT = "clinical_edit"
    # Closing/correcting a visit: assistants may do it at the chair; the reports still go out
    # under the responsible doctor's EESZT login.
    VISIT_CLOSE = "visit_close"
    CATALOGUE_EDIT = "catalogue_edit"
    EESZT_USE = "eeszt_use"  # documents, eProfil, referrals on behalf of the patient's care
    EESZT_BREAKGLASS = "eeszt_breakglass"
    SETTINGS_EDIT = "settings_edit"  # practice, companies, org units, staff, EESZT settings
    AUDIT_VIEW = "audit_view"
    API_TOKEN_OWN = "api_token_own"  # noqa: S105 - a permission name, not a secret
    # Treatment plans and quotes (plans/): reception reads and prints them to send and book;
    # assistants draft; doctors present (issue the quote), revise, start and complete;
    # the patient's acceptance or refusal is recorded at the chair or at the desk.
    PLAN_VIEW = "plan_view"
    PLAN_DRAFT = "plan_draft"
    PLAN_PRESENT = "plan_present"
    PLAN_DECIDE = "plan_decide"
    PLAN_PRINT = "plan_print"
    # Sending the quote to the patient by e-mail (messaging/): the desk and the dentist,
    # not the assistant (a message leaves the practice in its name).
    PLAN_SEND = "plan_send"
    PLAN_REPORT = "plan_report"
    # Invoicing (billing/, nav/): the front desk and the owner issue invoices and stornos
    # and take payments (and see the NAV reports they must fix); doctors see invoices.
    INVOICE_VIEW = "invoice_view"
    INVOICE_ISSUE = "invoice_issue"
    # The daily closing (napi zárás) is the desk's end of day: receptionists and owners run
    # it. The money reports — receivables with ageing, every closing, the accountant's
    # exports — are the owner's (billing/closing.py, billing/exports.py).
    DAY_CLOSE = "day_close"
    BILLING_REPORT = "billing_report"
    # Messages and recall (patients/consent_*, recall/): everyone sees whether a patient
    # may be messaged; the front desk and the owner record consent (it is given at the desk,
    # on paper or by phone) and run the recall list; owners set the recall rules.
    CONSENT_VIEW = "consent_view"
    CONSENT_EDIT = "consent_edit"
    RECALL_RUN = "recall_run"
    RECALL_RULES_EDIT = "recall_rules_edit"
    # Appointment reminders (reminders/): the rule (when, which channels) and its templates
    # are the owner's, like every message the practice sends in its name.
    REMINDER_RULES_EDIT = "reminder_rules_edit"


_ALL = frozenset(Role)
MATRIX: dict[Perm, frozenset[Role]] = {
    Perm.PATIENT_VIEW: _ALL,
    Perm.PATIENT_EDIT: _ALL,
    Perm.APPOINTMENT_EDIT: _ALL,
    Perm.CLINICAL_VIEW: frozenset({Role.OWNER, Role.DOCTOR, Role.ASSISTANT}),
    Perm.CLINICAL_EDIT: frozenset({Role.OWNER, Role.DOCTOR, Role.ASSISTANT}),
    Perm.VISIT_CLOSE: frozenset({Role.OWNER, Role.DOCTOR, Role.ASSISTANT}),
    Perm.CATALOGUE_EDIT: frozenset({Role.OWNER}),
    Perm.EESZT_USE: frozenset({Role.OWNER, Role.DOCTOR, Role.ASSISTANT}),
    Perm.EESZT_BREAKGLASS: frozenset({Role.DOCTOR}),
    Perm.SETTINGS_EDIT: frozenset({Role.OWNER}),
    Perm.AUDIT_VIEW: frozenset({Role.OWNER}),
    Perm.API_TOKEN_OWN: _ALL,
    Perm.PLAN_VIEW: _ALL,
    Perm.PLAN_DRAFT: frozenset({Role.OWNER, Role.DOCTOR, Role.ASSISTANT}),
    Perm.PLAN_PRESENT: frozenset({Role.OWNER, Role.DOCTOR}),
    Perm.PLAN_DECIDE: frozenset({Role.OWNER, Role.DOCTOR, Role.RECEPTIONIST}),
    Perm.PLAN_PRINT: _ALL,
    Perm.PLAN_SEND: frozenset({Role.OWNER, Role.DOCTOR, Role.RECEPTIONIST}),
    Perm.PLAN_REPORT: frozenset({Role.OWNER}),
    Perm.INVOICE_VIEW: frozenset({Role.OWNER, Role.DOCTOR, Role.RECEPTIONIST}),
    Perm.INVOICE_ISSUE: frozenset({Role.OWNER, Role.RECEPTIONIST}),
    Perm.DAY_CLOSE: frozenset({Role.OWNER, Role.RECEPTIONIST}),
    Perm.BILLING_REPORT: frozenset({Role.OWNER}),
    Perm.CONSENT_VIEW: _ALL,
    Perm.CONSENT_EDIT: frozenset({Role.OWNER, Role.RECEPTIONIST}),
    Perm.RECALL_RUN: frozenset({Role.OWNER, Role.RECEPTIONIST}),
    Perm.RECALL_RULES_EDIT: frozenset({Role.OWNER}),
    Perm.REMINDER_RULES_EDIT: frozenset({Role.OWNER}),
}


def member_roles(member: StaffMember) -> frozenset[Role]:
    """The roles a member acts in. An owner who has a stamp number is a practising dentist
    too (most small practices are run by their dentist), so he also acts as a doctor."""
    roles = {Role(member.role)}
    if member.stamp_number:
        roles.add(Role.DOCTOR)
    return frozenset(roles)


def member_can(member: StaffMember | None, perm: Perm) -> bool:
    """True when one of the member's roles allows `perm` (an inactive member may do nothing)."""
    if member is None or not member.is_active:
        return False
    return bool(member_roles(member) & MATRIX[perm])
