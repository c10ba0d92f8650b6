"""Demo chart data: a history of closed visits (diagnoses, procedures, tooth statuses) for a
few demo patients, written through the real services (so revisions and audit entries are
there too). Idempotent: patients who already have visits are left alone."""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from zomanc.clinical.command_line import CommandError, command_parse
from zomanc.clinical.models import Visit
from zomanc.clinical.services import (
    diagnosis_add,
    visit_close,
    visit_command_apply,
    visit_correct,
    visit_notes_update,
    visit_open,
)
from zomanc.codes.models import TreatmentItem
from zomanc.patients.models import Patient
from zomanc.practices.models import Company, OrgUnit, Practice, StaffMember

DEMO_PATIENTS = 6

# (diagnoses, command lines, anamnesis, status, therapy, advice). Lines whose shortcut the
# practice's catalogue lacks are skipped, so the demo works with any catalogue.
SCENARIOS: list[tuple[list[str], list[str], str, str, str, str]] = [
    (
        ["Z0120", "K0510"],
        ["pan", "fk", "16 MO car", "26 O car", "37 =kor", "48 =hiány"],
        "Rutin ellenőrzésre jelentkezik. Gyógyszerérzékenység nem ismert.",
        "Fogkő mindkét állcsonton, fogíny enyhén vérzékeny. 16 MO, 26 O szuvas.",
        "Fogkő-eltávolítás, polírozás, szájhigiénés instrukció.",
        "Szuvas fogak ellátása két héten belül; fogselyem napi használata.",
    ),
    (
        ["K0210"],
        ["érz", "16 MO töm2", "26 O töm"],
        "Hideg-meleg érzékenység a jobb felső őrlőfogon.",
        "16 MO, 26 O dentinig érő szuvasodás, ütőérzékenység nincs.",
        "Helyi érzéstelenítésben kompozit tömések.",
        "Kontroll fél év múlva.",
    ),
    (
        ["K0400"],
        ["rtg", "érz", "36 gyök3", "36 ideig"],
        "Éjszakai, lüktető fájdalom bal alul.",
        "36 mély szuvasodás, ütőérzékeny; röntgenen periapicalis eltérés nincs.",
        "Trepanálás, gyökérkezelés három csatornán, ideiglenes zárás.",
        "Fájdalomcsillapító szükség szerint; végleges ellátás (korona) egy hónapon belül.",
    ),
    (
        ["K0450"],
        ["rtg", "érz", "46 ext"],
        "Régóta gyulladt, többször kezelt fog bal alul.",
        "46 gyökércsúcs körüli idült gyulladás, megtartásra nem érdemes.",
        "Foghúzás helyi érzéstelenítésben, sebellátás.",
        "Két óráig ne egyen; hideg borogatás; pótlás megbeszélése 8 hét múlva.",
    ),
    (
        ["K0810"],
        ["36 kor", "46 imp"],
        "Pótlás megbeszélése a korábbi foghúzás után.",
        "46 hiányzik, gyógyult alveolus; 36 gyökérkezelt.",
        "36 fémkerámia korona, 46 implantátum beültetése.",
        "Kontroll egy hét múlva, varratszedés.",
    ),
]


def _usable(lines: list[str], shortcuts: list[str]) -> list[str]:
    return [line for line in lines if not isinstance(command_parse(line, shortcuts), CommandError)]


@transaction.atomic
def demo_visits_create(practice: Practice) -> list[Visit]:
    """Closed visits for up to six demo patients without visits; the last visit of the first
    patient gets a correction (revision 2), to show the revision history."""
    doctor = (
        StaffMember.objects.filter(practice=practice, is_active=True)
        .exclude(stamp_number="")
        .order_by("id")
        .first()
    )
    company = Company.objects.filter(practice=practice, is_active=True).order_by("id").first()
    org_unit = (
        OrgUnit.objects.filter(practice=practice, company=company, is_active=True)
        .order_by("id")
        .first()
    )
    if doctor is None or company is None or org_unit is None:
        return []
    actor = doctor.user
    shortcuts = list(
        TreatmentItem.objects.filter(practice=practice, is_active=True)
        .exclude(shortcut="")
        .values_list("shortcut", flat=True)
    )
    patients = (
        Patient.objects.filter(practice=practice)
        .exclude(visits__isnull=False)
        .order_by("id")[:DEMO_PATIENTS]
    )
    rng = random.Random(practice.pk)  # noqa: S311 - repeatable demo dates, not secrets
    today = timezone.localdate()
    created: list[Visit] = []
    for index, patient in enumerate(patients):
        count = 2 + (index % 3)
        first_day = today - dt.timedelta(days=30 * (count + 1) + rng.randrange(20))
        for number in range(count):
            scenario = SCENARIOS[(index + number) % len(SCENARIOS)]
            codes, lines, anamnesis, status_text, therapy, advice = scenario
            day = first_day + dt.timedelta(days=30 * number + rng.randrange(10))
            started = timezone.make_aware(
                dt.datetime.combine(day, dt.time(8 + rng.randrange(9), rng.choice((0, 30))))
            )
            visit = visit_open(
                patient=patient,
                doctor=doctor,
                company=company,
                org_unit=org_unit,
                started_at=started,
                opened_by=actor,
            )
            for line in _usable(lines, shortcuts):
                visit_command_apply(visit=visit, line=line, entered_by=actor)
            for code in codes:
                diagnosis_add(visit=visit, code=code, added_by=actor)
            visit_notes_update(
                visit=visit,
                updated_by=actor,
                anamnesis=anamnesis,
                status_text=status_text,
                therapy=therapy,
                advice=advice,
            )
            visit_close(
                visit=visit,
                closed_by=actor,
                closed_at=started + dt.timedelta(minutes=30 + 15 * rng.randrange(4)),
            )
            created.append(visit)
        if index == 0 and created:
            visit_correct(
                visit=created[-1],
                reason="Javaslat pontosítása a páciens kérésére",
                corrected_by=actor,
                sections={"advice": created[-1].advice + " Szükség esetén korábban is jöhet."},
            )
    return created
