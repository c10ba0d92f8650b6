"""Every response that shows patient data leaves an audit entry — structurally.

The test walks EVERY URL pattern of the project (the resolver, including each django-ninja API
operation) and needs a classification for each one; a pattern nobody classified fails, so a
new view cannot be forgotten. Then:

- READ: requested with GET as a doctor of the patient's practice; must answer 200 and leave
  a VIEW entry naming the patient (its patient_id, or for lists and searches the query and
  the patient ids returned).
- WRITE: changes records and is POST-only (a GET is refused with 405, so it renders nothing);
  the change itself writes its create/update/delete entry in its service (tested there).
- EESZT: reads from the national side need a live sandbox session; each names the test that
  proves its VIEW entry, and this test checks that the named test exists and asserts one.
- NO_PATIENT_DATA: says why nothing of a patient's record is shown.

The decisions behind the classes are in docs/security.md ("Audit of reads")."""

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from zomanc.audit.models import AuditAction, AuditEntry
from zomanc.clinical.models import Visit
from zomanc.clinical.services import diagnosis_add, visit_close, visit_notes_update
from zomanc.clinical.tests.conftest import bno, catalogue, open_visit_for  # noqa: F401 (fixtures)
from zomanc.conftest import Personas
from zomanc.patients.models import Patient
from zomanc.patients.tests.factories import make_patient


@dataclass(frozen=True)
class Read:
    """GET url(world) must leave a VIEW entry naming world.patient."""

    url: Callable[["World"], str]


@dataclass(frozen=True)
class Write:
    why: str


@dataclass(frozen=True)
class Eeszt:
    """A read that needs state this walk does not build (a live EESZT session, a signed
    plan, an invoice reported to NAV): its own test asserts the VIEW entry."""

    test: str  # "zomanc/eeszt/tests/test_x.py::test_name"


@dataclass(frozen=True)
class NoPatientData:
    why: str


Kind = Read | Write | Eeszt | NoPatientData


@dataclass
class World:
    personas: Personas
    patient: Patient
    visit: Visit  # closed, revision 1
    token: str

    def plan_id(self) -> int:
        """A treatment plan of the patient, made when a recipe asks for it."""
        from zomanc.plans.services import plan_create

        plan = plan_create(patient=self.patient, actor=self.personas.doctor, title="Terv")
        return plan.pk


def _r(name: str, *args: object) -> str:
    return reverse(name, args=args)


ACCOUNT = NoPatientData("the user's own login, password and second factor")
SCHEDULE = NoPatientData(
    "the calendar: who is booked when (name, chair, planned treatment), not the record; "
    "opening the booked patient's record is a READ of its own"
)
SETTINGS = NoPatientData("practice, company, staff or code settings: no patient")

CLASSIFICATION: dict[str, Kind] = {
    # --- framework, accounts, home ---
    "healthz": NoPatientData("liveness probe"),
    "set_language": NoPatientData("language switch"),
    "accounts:login": ACCOUNT,
    "accounts:login_code": ACCOUNT,
    "accounts:logout": ACCOUNT,
    "accounts:two_factor": ACCOUNT,
    "accounts:contrast": NoPatientData("the user's own high-contrast look"),
    "accounts:password_change": ACCOUNT,
    "accounts:password_change_done": ACCOUNT,
    "accounts:password_reset": ACCOUNT,
    "accounts:password_reset_done": ACCOUNT,
    "accounts:password_reset_confirm": ACCOUNT,
    "accounts:password_reset_complete": ACCOUNT,
    "core:home": NoPatientData("the start page: links only"),
    "core:switch_practice": NoPatientData("changes the active practice"),
    # --- patients ---
    "patients:list": Read(lambda w: _r("patients:list") + "?q=Kov"),
    "patients:create": NoPatientData("an empty form; the created patient is audited as CREATE"),
    "patients:detail": Read(lambda w: _r("patients:detail", w.patient.pk)),
    "patients:edit": Read(lambda w: _r("patients:edit", w.patient.pk)),
    "patients:consent_opt_in": Write("records a message consent (audited as CREATE)"),
    "patients:consent_opt_out": Write("withdraws a message consent (audited as CREATE)"),
    "patients:consent_language": Write("sets the language of messages (audited as CREATE)"),
    # --- API (one entry per operation) ---
    "api:openapi-json": NoPatientData("the schema"),
    "api:openapi-view": NoPatientData("the schema's documentation page"),
    "api:api-root": NoPatientData("the API's root"),
    "api:patients_search": Read(lambda w: "/api/patients?q=Kov"),
    "api:patients_create": Write("POST creates a patient (audited as CREATE)"),
    "api:patients_read": Read(lambda w: f"/api/patients/{w.patient.pk}"),
    "api:patients_update": Write("PATCH changes a patient (audited as UPDATE)"),
    "api_tokens:list": ACCOUNT,
    "api_tokens:create": ACCOUNT,
    "api_tokens:revoke": ACCOUNT,
    # --- calendar ---
    "scheduling:calendar": SCHEDULE,
    "scheduling:day": SCHEDULE,
    "scheduling:week": SCHEDULE,
    "scheduling:appointment_create": SCHEDULE,
    "scheduling:patient_picker": Read(lambda w: _r("scheduling:patient_picker") + "?patient_q=Kov"),
    "scheduling:appointment_edit": SCHEDULE,
    "scheduling:appointment_move": SCHEDULE,
    "scheduling:appointment_resize": SCHEDULE,
    "scheduling:appointment_cancel": SCHEDULE,
    "scheduling:appointment_arrived": SCHEDULE,
    "scheduling:chairs": SETTINGS,
    "scheduling:chair_edit": SETTINGS,
    # --- the chart ---
    "clinical:patient_activity": Read(lambda w: _r("clinical:patient_activity", w.patient.pk)),
    "clinical:patient_visit_history": Read(
        lambda w: _r("clinical:patient_visit_history", w.patient.pk)
    ),
    "clinical:tooth_history": Read(
        lambda w: _r("clinical:tooth_history", w.patient.pk) + "?fog=36"
    ),
    "clinical:visit_notes_autosave": Write("saves the notes while typed (audited as UPDATE)"),
    "clinical:visit_open": Write("opens a visit (audited as CREATE)"),
    "clinical:visit_open_from_appointment": Write("opens a visit (audited as CREATE)"),
    "clinical:visit_detail": Read(lambda w: _r("clinical:visit_detail", w.visit.pk)),
    "clinical:visit_command": Write("records procedures (audited as CREATE)"),
    "clinical:visit_notes": Write("saves the notes (audited as UPDATE)"),
    "clinical:diagnosis_add": Write("audited as CREATE"),
    "clinical:diagnosis_delete": Write("audited as DELETE"),
    "clinical:procedure_add": Write("audited as CREATE"),
    "clinical:procedure_delete": Write("audited as DELETE"),
    "clinical:finding_delete": Write("audited as DELETE"),
    "clinical:visit_close": Write("audited as UPDATE"),
    "clinical:visit_correct": Read(lambda w: _r("clinical:visit_correct", w.visit.pk)),
    "clinical:revision_detail": Read(lambda w: _r("clinical:revision_detail", w.visit.pk, 1)),
    "clinical:visit_chart": Read(lambda w: _r("clinical:visit_chart", w.visit.pk)),
    "clinical:visit_pdf": Read(lambda w: _r("clinical:visit_pdf", w.visit.pk)),
    # --- treatment plans ---
    "plans:list": Read(lambda w: _r("plans:list", w.patient.pk)),
    "plans:detail": Read(lambda w: _r("plans:detail", w.plan_id())),
    "plans:pdf": Read(lambda w: _r("plans:pdf", w.plan_id())),
    "plans:send_email": Write("queues the quote by e-mail (audited by plans/send.py)"),
    "plans:open_treatment": Eeszt(
        "zomanc/plans/tests/test_open_treatment.py::test_open_treatment_page"
    ),
    # A presented or signed plan is state this walk does not build: its own test asserts it.
    "plans:sign": Eeszt("zomanc/plans/tests/test_signature.py::test_sign_page_round_trip"),
    "plans:signed_pdf": Eeszt("zomanc/plans/tests/test_signature.py::test_sign_page_round_trip"),
    "plans:signature_image": Eeszt(
        "zomanc/plans/tests/test_signature.py::test_sign_page_round_trip"
    ),
    "plans:paper": Eeszt("zomanc/plans/tests/test_paper.py::test_paper_page_round_trip"),
    "plans:signed_paper": Eeszt("zomanc/plans/tests/test_paper.py::test_paper_page_round_trip"),
    # The chart and the chair (plans/clinical_views.py).
    "plans:chart_plan": Read(lambda w: _r("plans:chart_plan", w.patient.pk)),
    "plans:item_perform": Write("records a procedure and marks a plan item done (both audited)"),
    "plans:item_tick": Write("marks a plan item done by a recorded procedure (audited)"),
    "api:plans_list": Read(lambda w: f"/api/patients/{w.patient.pk}/plans"),
    "api:plans_read": Read(lambda w: f"/api/plans/{w.plan_id()}"),
    "api:plans_book": Write("books plan items to an appointment (plans/booking_services.py)"),
    "api:plans_item_perform": Write(
        "records a procedure and marks a plan item done (plans/clinical_services.py)"
    ),
    # Needs an accepted plan, which this walk does not build: its own test asserts the entry.
    "plans:book": Eeszt(
        "zomanc/plans/tests/test_booking_views.py::test_the_page_is_pre_filled_and_audited"
    ),
    **{
        f"api:plans_{name}": Write("changes a treatment plan (audited by plans/services.py)")
        for name in [
            "create",
            "phase_add",
            "option_add",
            "item_add",
            "item_remove",
            "option_choose",
            "status",
            "revise",
        ]
    },
    **{
        f"plans:{name}": Write("changes a treatment plan (audited by plans/services.py)")
        for name in [
            "terms",
            "phase_add",
            "option_add",
            "item_add",
            "item_remove",
            "item_complete",
            "option_choose",
            "status",
            "revise",
        ]
    },
    # --- invoices (an invoice needs NAV and company billing data: billing's own test) ---
    **{
        f"billing:{name}": Eeszt(
            "zomanc/billing/tests/test_views.py::test_every_billing_read_leaves_a_view_entry"
        )
        for name in ["list", "patient", "detail", "pdf", "visit_new", "modify"]
    },
    # --- recall (the doctor of the walk has no recall_run: recall's own tests) ---
    "recall:list": Eeszt(
        "zomanc/recall/tests/test_views.py::test_list_shows_the_due_patient_with_booking_and_audits"
    ),
    "recall:patient": Eeszt(
        "zomanc/recall/tests/test_views.py::test_patient_page_own_interval_and_audit"
    ),
    "recall:contact": Write("records a recall contact (audited as CREATE)"),
    "recall:send": Write(
        "the bulk send: queues the messages and records each recall's contact (audited as "
        "CREATE); its result page names only the patients the list just showed"
    ),
    "recall:rules": SETTINGS,
    "recall:rule_edit": SETTINGS,
    "billing:payment": Write("takes a payment (audited by billing/payments.py)"),
    "billing:plan": Eeszt("zomanc/billing/tests/test_plan_views.py::test_page_leaves_a_view_entry"),
    "billing:email": Write("queues an invoice by e-mail (audited by billing/invoice_send.py)"),
    "billing:storno": Write("issues a storno invoice (audited by billing/services.py)"),
    "billing:nav_retry": Write("queues a NAV report again"),
    "billing:nav_list": NoPatientData("NAV report states: invoice numbers and NAV's messages"),
    "billing:nav_settings": SETTINGS,
    # --- reminders: the owner's rule and templates, the patient's signed links ---
    "reminders:settings": Eeszt(
        "zomanc/reminders/tests/test_views.py::test_owner_sets_the_rule_and_previews_a_real_one"
    ),
    "reminders:rule_save": SETTINGS,
    "reminders:template_save": SETTINGS,
    "reminders:sms_template_save": Eeszt(
        "zomanc/reminders/tests/test_sms_template.py::test_accent_free_button_without_javascript"
    ),  # the accent-free answer is the page again, with the SMS preview of a real appointment
    "reminders:respond": NoPatientData(
        "the patient's own signed link: shows him his appointment's time and the practice's "
        "name, nothing of the record; the answer (POST) is audited in reminders/services.py"
    ),
    "reminder_short:page": NoPatientData(
        "the patient's own short SMS link: his appointment's time and the practice's name, "
        "nothing of the record; each answer (POST) is audited in reminders/services.py"
    ),
    "reminders:optout": NoPatientData(
        "the patient's own opt-out link: a question and the result; the withdrawal is an "
        "audited consent entry"
    ),
    # --- messaging: the practice's e-mail settings and their test send ---
    "messaging:settings": SETTINGS,
    "messaging:test": SETTINGS,
    "messaging:sms_settings": SETTINGS,
    **{
        f"billing:{name}": Eeszt(
            "zomanc/billing/tests/test_reports.py::test_report_reads_leave_view_entries"
        )
        for name in ["receivables", "export_download"]
    },
    "billing:exports": NoPatientData("the export form: a period and a company"),
    "billing:closings": NoPatientData("daily closings: companies and the day's totals"),
    "billing:closing_day": NoPatientData(
        "a day's totals by payment method; its POST closes the day (audited in closing.py)"
    ),
    "billing:closing_pdf": NoPatientData("a closed day's totals as PDF"),
    "plans:price_lists": SETTINGS,
    "plans:price_list": SETTINGS,
    "plans:conversion_report": NoPatientData("quotes per doctor and month: counts and sums"),
    # --- codes and settings ---
    "bno:picker": NoPatientData("the BNO code table"),
    "codes:catalogue": SETTINGS,
    "codes:catalogue_create": SETTINGS,
    "codes:catalogue_edit": SETTINGS,
    "codes:catalogue_set_active": SETTINGS,
    **{
        f"practices:{name}": SETTINGS
        for name in [
            "settings",
            "logo",
            "logo_image",
            "company_list",
            "company_create",
            "company_edit",
            "company_deactivate",
            "company_reactivate",
            "org_unit_create",
            "org_unit_edit",
            "org_unit_deactivate",
            "org_unit_reactivate",
            "staff_list",
            "staff_create",
            "staff_edit",
            "staff_deactivate",
            "staff_reactivate",
        ]
    },
    "audit:list": NoPatientData(
        "the audit log itself (owner only): patient ids and summaries, reading it is not a "
        "look at a record"
    ),
    # --- EESZT ---
    "eeszt_outbox:list": NoPatientData("submission states: document kinds and ids, no record"),
    "eeszt_outbox:retry": Write("queues a submission again"),
    **{
        f"eeszt:{name}": SETTINGS
        for name in [
            "settings",
            "company_settings",
            "institution_update",
            "org_unit_add",
            "refdata_check",
            "member_profile_update",
            "certificate_upload",
            "connection_test",
            "module_toggle",
        ]
    },
    **{
        f"eeszt:{name}": ACCOUNT
        for name in [
            "login",
            "login_challenge",
            "login_card",
            "login_token",
            "login_mobile",
            "session_end",
        ]
    },
    "eeszt:profile": Eeszt(
        "zomanc/eeszt/tests/test_profile.py::test_another_institutions_entries_show_their_creator_and_no_delete"
    ),
    "eeszt:profile_create": Write("creates an eProfil entry (audited as CREATE)"),
    "eeszt:profile_update": Eeszt(
        "zomanc/eeszt/tests/test_profile.py::test_create_update_history_conflict_delete"
    ),
    "eeszt:profile_delete": Write("deletes an eProfil entry (audited as DELETE)"),
    "eeszt:profile_history": Eeszt(
        "zomanc/eeszt/tests/test_profile.py::test_create_update_history_conflict_delete"
    ),
    "eeszt:referral_list": Eeszt(
        "zomanc/eeszt/tests/test_referral.py::test_the_list_explains_each_referral"
    ),
    "eeszt:referral_use": Write("uses a referral (audited)"),
    "eeszt:ehr_documents": Eeszt(
        "zomanc/eeszt/tests/test_ehr.py::test_list_withheld_then_breakglass_shows_it_and_is_audited"
    ),
    "eeszt:ehr_breakglass": Eeszt(
        "zomanc/eeszt/tests/test_ehr.py::test_list_withheld_then_breakglass_shows_it_and_is_audited"
    ),
    "eeszt:ehr_document": Eeszt(
        "zomanc/eeszt/tests/test_ehr.py::test_open_document_renders_cda_sections_and_is_audited"
    ),
    "eeszt:ehr_eligibility": Eeszt(
        "zomanc/eeszt/tests/test_eligibility.py::test_colours_of_seeded_patients"
    ),
}


def _walk(resolver: URLResolver, namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # Django's admin is the superuser's tool, audited by its own log
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, inner)
        else:
            yield f"{namespace}{entry.name}", entry


def _api_operations() -> Iterator[str]:
    """django-ninja puts GET and POST of one path behind one URL pattern: list the
    operations themselves, so each method is classified."""
    from zomanc.api.api import api

    for router_path in api._routers:
        router = router_path[1]
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                yield f"api:{operation.view_func.__name__}"


def all_names() -> set[str]:
    names = {name for name, _ in _walk(get_resolver())}
    return names | set(_api_operations())


def test_every_url_pattern_and_api_operation_is_classified() -> None:
    names = all_names()
    unclassified = sorted(names - set(CLASSIFICATION))
    assert not unclassified, (
        "Classify these in zomanc/audit/tests/test_audit_coverage.py (does the response "
        f"show patient data? then it must write an audit entry): {unclassified}"
    )
    # A classified name without a pattern is harmless (a view being removed or landed in
    # parallel); the tests below only request the names that exist.


@pytest.fixture
def world(personas: Personas, bno: None, catalogue: object) -> World:  # noqa: F811
    from zomanc.api.services import api_token_create

    patient = make_patient(personas.doctor, id_value="123456788")
    make_patient(personas.doctor_b, family_name="Kovács", given_name="Béla")  # other practice
    visit = open_visit_for(personas, patient)
    visit_notes_update(
        visit=visit, updated_by=personas.doctor.user, anamnesis="Fáj a 36", status_text="Szuvas 36"
    )
    diagnosis_add(visit=visit, code="K0210", added_by=personas.doctor.user)
    visit_close(visit=visit, closed_by=personas.doctor.user)
    token = api_token_create(member=personas.doctor, name="audit").secret
    return World(personas=personas, patient=patient, visit=visit, token=token)


def _of(kind: type) -> list[str]:
    present = all_names()
    return sorted(n for n, k in CLASSIFICATION.items() if isinstance(k, kind) and n in present)


READS = _of(Read)
WRITES = _of(Write)
EESZT = _of(Eeszt)


@pytest.mark.parametrize("name", READS)
def test_a_read_of_patient_data_writes_a_view_entry(world: World, name: str) -> None:
    kind = CLASSIFICATION[name]
    assert isinstance(kind, Read)
    client: Client = world.personas.client_for(world.personas.doctor)
    before = set(AuditEntry.objects.values_list("pk", flat=True))
    response = client.get(kind.url(world), HTTP_AUTHORIZATION=f"Bearer {world.token}")
    assert response.status_code == 200, name
    new = list(AuditEntry.objects.exclude(pk__in=before))
    assert new, f"{name} showed patient data and wrote no audit entry"
    pid = world.patient.pk
    named = [
        entry
        for entry in new
        if entry.action == AuditAction.VIEW
        and (entry.patient_id == pid or pid in entry.changes.get("patient_ids", []))
        and entry.actor_id == world.personas.doctor.user_id
    ]
    assert named, f"{name}: no VIEW entry names the patient: {[e.summary for e in new]}"


@pytest.mark.parametrize("name", WRITES)
def test_a_write_renders_nothing_on_get(world: World, name: str) -> None:
    """A write's response may show the changed record, but only after the change (and its
    entry): a GET must not render anything — else it is a READ and must be audited."""
    pattern = dict(_walk(get_resolver())).get(name)
    if name.startswith("api:"):
        # The API's write operations share their path with a read; ninja routes by method.
        return
    assert pattern is not None
    kwargs: dict[str, object] = {key: 1 for key in pattern.pattern.converters}
    if "entry_id" in kwargs:
        kwargs["entry_id"] = "x"
    url = reverse(name, kwargs=kwargs)
    client = world.personas.client_for(world.personas.owner)
    assert client.get(url).status_code == 405, f"{name} answers GET: classify it as a READ"


@pytest.mark.parametrize("name", EESZT)
def test_an_eeszt_read_names_a_test_that_asserts_its_view_entry(name: str) -> None:
    kind = CLASSIFICATION[name]
    assert isinstance(kind, Eeszt)
    path, function = kind.test.split("::")
    tree = ast.parse((Path(__file__).resolve().parents[3] / path).read_text())
    found = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name == function
    ]
    assert found, f"{kind.test} does not exist"
    source = ast.unparse(found[0])
    assert "AuditAction.VIEW" in source and "AuditEntry" in source, (
        f"{kind.test} does not assert a VIEW entry"
    )


def test_the_walk_sees_the_api_operations() -> None:
    """Guard of the walk itself: the API's operations are enumerated, not only its paths."""
    assert {"api:patients_search", "api:patients_create"} <= all_names()
