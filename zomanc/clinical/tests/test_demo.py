"""Demo chart data: closed visits with diagnoses, procedures and tooth statuses; idempotent."""

from zomanc.clinical.demo import demo_visits_create
from zomanc.clinical.models import ToothFinding, Visit, VisitRevision, VisitStatus
from zomanc.clinical.selectors import patient_chart
from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.patients.tests.factories import make_patient


def test_demo_visits(personas: Personas, bno: None, catalogue: dict[str, TreatmentItem]) -> None:
    patients = [make_patient(personas.doctor, given_name=f"Demo{i}") for i in range(3)]
    created = demo_visits_create(personas.practice_a)
    assert len(created) == 2 + 3 + 4
    assert all(v.status == VisitStatus.CLOSED for v in Visit.objects.all())
    assert all(v.diagnoses.exists() for v in Visit.objects.all())
    assert ToothFinding.objects.exists()
    assert VisitRevision.objects.filter(number=2).count() == 1
    assert patient_chart(patients[0])  # the chart has marks
    assert demo_visits_create(personas.practice_a) == []  # idempotent
    assert not Visit.objects.filter(practice=personas.practice_b).exists()
