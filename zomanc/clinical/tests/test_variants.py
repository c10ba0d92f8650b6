"""Catalogue families on the chart: the surfaces (or canals) entered choose the variant — on
the command line and in the procedure dropdown —, and a variant chosen by itself refuses
another number (issue 12, defect 2: "36 MOD töm" recorded the one-surface filling)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zomanc.clinical.forms import FAMILY_CHOICE_PREFIX, ProcedureForm
from zomanc.clinical.models import Visit, VisitProcedure
from zomanc.clinical.services import procedure_add, visit_command_apply
from zomanc.clinical.teeth import ALL_TEETH, tooth_surfaces
from zomanc.clinical.tests.conftest import open_visit_for
from zomanc.codes.catalogue_demo import demo_treatments_create
from zomanc.codes.catalogue_selectors import treatment_variant_for
from zomanc.codes.catalogue_services import treatment_item_deactivate
from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.patients.models import Patient

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def demo(personas: Personas) -> dict[str, TreatmentItem]:
    demo_treatments_create(personas.practice_a)
    return {i.shortcut: i for i in TreatmentItem.objects.filter(practice=personas.practice_a)}


@pytest.fixture
def demo_visit(
    personas: Personas, patient: Patient, bno: None, demo: dict[str, TreatmentItem]
) -> Visit:
    return open_visit_for(
        personas, patient, started_at=timezone.make_aware(dt.datetime(2026, 3, 10, 9, 30))
    )


def _command(visit: Visit, line: str, personas: Personas) -> VisitProcedure:
    created = visit_command_apply(visit=visit, line=line, entered_by=personas.assistant.user)
    assert len(created) == 1 and isinstance(created[0], VisitProcedure)
    return created[0]


def test_36_mod_tom_records_the_three_surface_filling_at_its_price(
    personas: Personas, demo_visit: Visit, demo: dict[str, TreatmentItem]
) -> None:
    procedure = _command(demo_visit, "36 MOD töm", personas)
    assert procedure.treatment_id == demo["töm3"].pk
    assert procedure.name == "Kompozit tömés, 3 felszín"
    assert procedure.unit_price == Decimal(38000)
    assert procedure.surfaces == "MOD"


@pytest.mark.parametrize(
    ("line", "shortcut"),
    [
        ("26 O töm", "töm"),
        ("16 MO töm", "töm2"),
        ("16 MO töm3", "töm2"),  # a variant's shortcut names the family too
        ("36 DOMB töm", "töm4"),  # B is V: four distinct surfaces
        ("36 MODVL töm2", "töm4"),  # five: the 4+ variant
        ("46 gyök", "gyök"),  # no canal count: the variant named
        ("36 gyök3", "gyök3"),
        ("46 gyök 3c", "gyök3"),
        ("46 gyök2 3cs", "gyök3"),
        ("47 gyök 5c", "gyök4"),
        ("46 gyök x1 2c", "gyök2"),
    ],
)
def test_the_count_entered_chooses_the_variant(
    personas: Personas, demo_visit: Visit, demo: dict[str, TreatmentItem], line: str, shortcut: str
) -> None:
    procedure = _command(demo_visit, line, personas)
    assert procedure.treatment_id == demo[shortcut].pk
    assert procedure.unit_price == demo[shortcut].price


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "36 ext 3c",
            "A(z) „Foghúzás (egyszerű)” ára nem a csatornák számától függ: csatornaszám "
            "(pl. „3c”) nem adható meg hozzá.",
        ),
        ("gyök 3c", "Csatornaszám csak fogszámmal együtt adható meg"),
        ("46 gyök 7c", "A csatornák száma 1 és 6 között lehet"),
    ],
)
def test_bad_canal_counts_are_refused(
    personas: Personas, demo_visit: Visit, line: str, message: str
) -> None:
    with pytest.raises(ValidationError) as error:
        visit_command_apply(visit=demo_visit, line=line, entered_by=personas.assistant.user)
    assert message in error.value.message_dict["line"][0]
    assert not demo_visit.procedures.exists()


def test_a_variant_chosen_by_itself_refuses_another_surface_count(
    personas: Personas, demo_visit: Visit, demo: dict[str, TreatmentItem]
) -> None:
    with pytest.raises(ValidationError) as error:
        procedure_add(
            visit=demo_visit,
            treatment=demo["töm"],
            tooth=36,
            surfaces="MOD",
            added_by=personas.assistant.user,
        )
    assert error.value.message_dict["surfaces"] == [
        "A(z) „Kompozit tömés, 1 felszín” 1 felszínes kezelés, de 3 felszín (MOD) van megadva. "
        "Válassza a megfelelő változatot, vagy a(z) „Kompozit tömés” családot, és a program "
        "választ."
    ]
    with pytest.raises(ValidationError) as error:
        procedure_add(
            visit=demo_visit,
            treatment=demo["gyök2"],
            tooth=46,
            canals=3,
            added_by=personas.assistant.user,
        )
    assert "„Gyökérkezelés, 2 csatorna” 2 csatornás kezelés, de 3 csatorna" in str(error.value)
    assert not demo_visit.procedures.exists()
    # The matching count is accepted.
    procedure_add(
        visit=demo_visit,
        treatment=demo["töm3"],
        tooth=36,
        surfaces="MOD",
        added_by=personas.assistant.user,
    )


def test_a_family_without_the_variant_says_so(
    personas: Personas, demo_visit: Visit, demo: dict[str, TreatmentItem]
) -> None:
    treatment_item_deactivate(item=demo["töm4"], actor=None)
    with pytest.raises(ValidationError) as error:
        visit_command_apply(visit=demo_visit, line="36 MODV töm", entered_by=personas.doctor.user)
    assert error.value.message_dict["line"] == [
        "A(z) „Kompozit tömés” családban nincs 4+ felszínes változat a katalógusban."
    ]


def test_the_dropdown_offers_the_family_and_picks_by_surfaces(
    personas: Personas, demo_visit: Visit, demo: dict[str, TreatmentItem]
) -> None:
    html = str(ProcedureForm(practice=personas.practice_a)["treatment"])
    family = FAMILY_CHOICE_PREFIX + "Kompozit tömés"
    assert f'<option value="{family}">Kompozit tömés — a felszínek száma szerint</option>' in html
    # The family's option comes once, before its variants; canal families are chosen by the
    # command line's canal count, so they have none.
    assert html.count(family) == 1
    assert html.index(family) < html.index(f'value="{demo["töm"].pk}"')
    assert "Gyökérkezelés — " not in html

    client = personas.client_for(personas.assistant)
    url = reverse("clinical:procedure_add", args=[demo_visit.pk])
    data = {"treatment": family, "tooth": "36", "surfaces": "mod", "quantity": "1"}
    response = client.post(url, data, headers=HTMX)
    assert response.status_code == 200
    procedure = demo_visit.procedures.get()
    assert (procedure.treatment_id, procedure.unit_price) == (demo["töm3"].pk, Decimal(38000))
    assert "Kompozit tömés, 3 felszín" in response.content.decode()

    # The one-surface variant chosen by itself with MOD: refused, with the reason shown.
    data["treatment"] = str(demo["töm"].pk)
    body = client.post(url, data, headers=HTMX).content.decode()
    assert "„Kompozit tömés, 1 felszín” 1 felszínes kezelés, de 3 felszín (MOD)" in body
    assert demo_visit.procedures.count() == 1


def test_the_dropdown_family_with_a_bad_surface_gets_the_surface_message(
    personas: Personas, demo_visit: Visit
) -> None:
    client = personas.client_for(personas.assistant)
    url = reverse("clinical:procedure_add", args=[demo_visit.pk])
    family = FAMILY_CHOICE_PREFIX + "Kompozit tömés"
    body = client.post(
        url, {"treatment": family, "tooth": "11", "surfaces": "O", "quantity": "1"}, headers=HTMX
    ).content.decode()
    assert "A(z) 11. fogon nincs O felszín" in body
    body = client.post(
        url, {"treatment": FAMILY_CHOICE_PREFIX + "Nincs ilyen", "quantity": "1"}, headers=HTMX
    ).content.decode()
    assert "Válasszon érvényes" in body
    assert not demo_visit.procedures.exists()


@st.composite
def tooth_and_surfaces(draw: st.DrawFn) -> tuple[int, str]:
    """A tooth and a valid set of its surfaces, typed in any order and case (B for V)."""
    tooth = draw(st.sampled_from(sorted(ALL_TEETH)))
    letters = draw(st.lists(st.sampled_from(tooth_surfaces(tooth)), min_size=1, unique=True))
    typed = "".join(draw(st.sampled_from(["B", "V"])) if ch == "V" else ch for ch in letters)
    return tooth, draw(st.sampled_from([typed, typed.lower()]))


@settings(
    max_examples=60,
    deadline=None,
    # The visit and catalogue are shared by the examples on purpose: each adds a procedure
    # and only that procedure is checked.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    case=tooth_and_surfaces(),
    shortcut=st.sampled_from(["töm", "töm2", "töm3", "töm4"]),
)
def test_property_recorded_variant_matches_the_distinct_surfaces(
    personas: Personas,
    demo_visit: Visit,
    demo: dict[str, TreatmentItem],
    case: tuple[int, str],
    shortcut: str,
) -> None:
    tooth, typed = case
    expected = min(len(set(typed.upper().replace("B", "V"))), 4)
    procedure = _command(demo_visit, f"{tooth} {typed} {shortcut}", personas)
    assert procedure.treatment is not None
    assert procedure.treatment.variant_count == expected
    assert procedure.unit_price == procedure.treatment.price
    assert len(procedure.surfaces) == len(set(typed.upper().replace("B", "V")))
    # The dropdown's family option and the shared selector agree.
    form = ProcedureForm(
        {
            "treatment": FAMILY_CHOICE_PREFIX + "Kompozit tömés",
            "tooth": str(tooth),
            "surfaces": typed,
            "quantity": "1",
        },
        practice=personas.practice_a,
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["treatment"].variant_count == expected
    chosen = treatment_variant_for(item=demo[shortcut], surfaces=procedure.surfaces)
    assert chosen.pk == procedure.treatment_id


def test_the_variant_is_never_another_practices(
    personas: Personas, demo_visit: Visit, demo: dict[str, TreatmentItem]
) -> None:
    """Practice B's family of the same name holds a three-surface variant; practice A's lost
    its own: A's command is refused, never priced from B's catalogue."""
    demo_treatments_create(personas.practice_b)
    treatment_item_deactivate(item=demo["töm3"], actor=None)
    with pytest.raises(ValidationError) as error:
        visit_command_apply(visit=demo_visit, line="36 MOD töm", entered_by=personas.doctor.user)
    assert "nincs 3 felszínes változat" in error.value.message_dict["line"][0]
    assert not demo_visit.procedures.exists()
