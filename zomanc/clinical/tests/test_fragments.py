"""The visit list's fragment cache (clinical/fragments.py): a cached item is the item the
template renders, and every input it depends on — a correction, the EESZT rows' states, the
doctor's name, the language, the viewer's permissions, the practice — gives new content;
open visits and items holding a CSRF token are never stored; no query is added."""

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.db import connection
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from zomanc.clinical import hooks
from zomanc.clinical.fragments import CACHE_ALIAS, _key, page_fingerprint, visit_fingerprint
from zomanc.clinical.models import Visit
from zomanc.clinical.selectors import visits_eeszt_states
from zomanc.clinical.services import diagnosis_add, visit_close, visit_correct
from zomanc.clinical.tests.conftest import open_visit_for
from zomanc.conftest import Personas
from zomanc.eeszt.outbox.models import OutboxItem, OutboxKind, OutboxState
from zomanc.patients.models import Patient
from zomanc.patients.tests.factories import make_patient
from zomanc.practices.models import Role, StaffMember
from zomanc.practices.permissions import MATRIX, Perm

pytestmark = pytest.mark.usefixtures("bno", "catalogue")


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    caches[CACHE_ALIAS].clear()


def _cached_count() -> int:
    """Visit items in the cache (the tooth chart's drawing shares the alias)."""
    keys = caches[CACHE_ALIAS]._cache  # type: ignore[attr-defined]
    return sum("clinical:visit-item:" in key for key in keys)


def _closed_visit(personas: Personas, patient: Patient, day: int, code: str = "K0210") -> Visit:
    visit = open_visit_for(
        personas, patient, started_at=timezone.make_aware(dt.datetime(2025, 1, day, 9))
    )
    diagnosis_add(visit=visit, code=code, is_primary=True, added_by=personas.doctor.user)
    return visit_close(visit=visit, closed_by=personas.doctor.user)


def _page(client: Client, patient: Patient) -> str:
    response = client.get(reverse("patients:detail", args=[patient.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _item(page: str, visit: Visit) -> str:
    match = re.search(rf'<li class="visit [^"]*" id="visit-{visit.pk}">.*?\n</li>', page, re.S)
    assert match, f"visit {visit.pk} not on the page"
    return match.group(0)


def _outbox_row(personas: Personas, visit: Visit, state: OutboxState, seq: int = 1) -> OutboxItem:
    return OutboxItem.objects.create(
        practice=visit.practice,
        company=personas.company_a,
        org_unit=personas.org_unit_a,
        visit=visit,
        patient=visit.patient,
        responsible=personas.doctor,
        kind=OutboxKind.EVENT_START,
        seq=seq,
        state=state,
        deadline_at=timezone.now() + dt.timedelta(days=4),
    )


def _tokenless(page: str) -> str:
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    page = re.sub(r'"X-CSRFToken": "[^"]+"', "", page)
    return re.sub(r'nonce="[^"]+"', "", page)


def test_cached_items_are_what_the_template_renders_and_save_queries(
    personas: Personas, patient: Patient
) -> None:
    visits = [_closed_visit(personas, patient, day) for day in (1, 2, 3)]
    _outbox_row(personas, visits[0], OutboxState.REFUSED)
    open_visit_for(personas, patient)
    client = personas.client_for(personas.doctor)
    with CaptureQueriesContext(connection) as cold:
        first = _page(client, patient)
    assert _cached_count() == 3  # the closed visits; the open one is rendered every time
    with CaptureQueriesContext(connection) as warm:
        second = _page(client, patient)
    assert _tokenless(first) == _tokenless(second)
    assert "EESZT: elutasítva" in second and "Javítás" in second
    # Warm: the closed visits' diagnoses and procedures are not read (two queries fewer); the
    # open visit's outbox rows are (its item is rendered), in the query that reads those of
    # the closed ones when cold.
    assert len(warm) == len(cold) - 2


def test_a_correction_shows_the_new_revision(personas: Personas, patient: Patient) -> None:
    visit = _closed_visit(personas, patient, 1)
    client = personas.client_for(personas.doctor)
    before = _item(_page(client, patient), visit)
    assert "K0210" in before and "revízió" not in before
    visit_correct(
        visit=visit,
        reason="Rossz kód, K0400 a helyes",
        corrected_by=personas.doctor.user,
        diagnoses=[("K0400", True)],
    )
    after = _item(_page(client, patient), visit)
    assert "K0400" in after and "K0210" not in after
    assert "javítva · 2. revízió" in after


def test_the_eeszt_badge_follows_its_rows(personas: Personas, patient: Patient) -> None:
    """The rows change state without the visit being saved: their states are in the key."""
    visit = _closed_visit(personas, patient, 1)
    client = personas.client_for(personas.doctor)
    assert "EESZT:" not in _item(_page(client, patient), visit)
    row = _outbox_row(personas, visit, OutboxState.PENDING)
    assert "EESZT: küldésre vár" in _item(_page(client, patient), visit)
    OutboxItem.objects.filter(pk=row.pk).update(state=OutboxState.SENT)
    assert "EESZT: elküldve" in _item(_page(client, patient), visit)
    _outbox_row(personas, visit, OutboxState.REFUSED, seq=2)
    assert "EESZT: elutasítva" in _item(_page(client, patient), visit)


def test_the_doctors_new_name_shows(personas: Personas, patient: Patient) -> None:
    visit = _closed_visit(personas, patient, 1)
    client = personas.client_for(personas.doctor)
    assert personas.doctor.display_name in _item(_page(client, patient), visit)
    StaffMember.objects.filter(pk=personas.doctor.pk).update(display_name="Dr. Új Név")
    assert "Dr. Új Név" in _item(_page(client, patient), visit)


def test_each_language_has_its_own_items(personas: Personas, patient: Patient) -> None:
    visit = _closed_visit(personas, patient, 1)
    client = personas.client_for(personas.doctor)
    assert "Részletek" in _item(_page(client, patient), visit)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    english = _item(_page(client, patient), visit)
    assert "Details" in english and "Részletek" not in english
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "hu"
    assert "Részletek" in _item(_page(client, patient), visit)


def test_a_viewer_with_fewer_permissions_gets_fewer_actions(
    personas: Personas, patient: Patient, monkeypatch: Any
) -> None:
    """Here the assistant may not correct ("Javítás"); the doctor's cached item must not
    reach the assistant, nor the assistant's the doctor; the receptionist sees no content."""
    monkeypatch.setitem(MATRIX, Perm.VISIT_CLOSE, frozenset({Role.OWNER, Role.DOCTOR}))
    visit = _closed_visit(personas, patient, 1)
    correct = reverse("clinical:visit_correct", args=[visit.pk])
    doctor, assistant, receptionist = (
        personas.client_for(m) for m in (personas.doctor, personas.assistant, personas.receptionist)
    )
    assert correct in _item(_page(doctor, patient), visit)
    assert correct not in _item(_page(assistant, patient), visit)
    assert correct in _item(_page(doctor, patient), visit)
    assert _cached_count() == 2
    seen_at_the_desk = _item(_page(receptionist, patient), visit)
    assert "K0210" not in seen_at_the_desk and correct not in seen_at_the_desk


def test_practices_never_share_an_item(personas: Personas, patient: Patient) -> None:
    """The same visit content seen from another practice is another key (the visits of a
    practice are only ever loaded for its members, this is the second wall)."""
    visit = _closed_visit(personas, patient, 1)
    loaded = Visit.objects.select_related("doctor").get()
    fingerprint = visit_fingerprint(loaded, ())
    assert fingerprint is not None and visit.pk == loaded.pk

    def key(member: StaffMember) -> str:
        can = {"clinical_view": True}
        page = page_fingerprint(Context({"member": member, "can": can}), clinical=True)
        return _key(page, fingerprint)

    assert key(personas.doctor) == key(personas.assistant)  # same practice, same permissions
    assert key(personas.doctor) != key(personas.doctor_b)


def test_the_key_has_the_rows_states_and_reads_nothing(
    personas: Personas, patient: Patient
) -> None:
    """The states come from one query for the whole list (visits_eeszt_states); the key itself
    reads nothing more, and an open visit has none."""
    visit = _closed_visit(personas, patient, 1)
    loaded = Visit.objects.select_related("doctor").get()
    with CaptureQueriesContext(connection) as queries:
        none = visit_fingerprint(loaded, ())
        pending = visit_fingerprint(loaded, [OutboxState.PENDING])
        both = visit_fingerprint(loaded, [OutboxState.SENT, OutboxState.PENDING])
    assert len(queries) == 0
    assert len({none, pending, both}) == 3
    assert both == visit_fingerprint(loaded, [OutboxState.PENDING, OutboxState.SENT] * 2)
    assert visit_fingerprint(open_visit_for(personas, patient), ()) is None
    _outbox_row(personas, visit, OutboxState.REFUSED)
    _outbox_row(personas, visit, OutboxState.SENT, seq=2)
    assert visits_eeszt_states([loaded]) == {
        visit.pk: frozenset({OutboxState.REFUSED, OutboxState.SENT})
    }
    assert visits_eeszt_states([]) == {}


def test_states_of_the_visits_asked_for_only(personas: Personas, patient: Patient) -> None:
    """One patient's visits are read as "his visits since the oldest shown" (a prebuilt read):
    the rows of a newer visit not in the list, of an older one and of another patient's
    visit on the same days must not leak into the answer; a list of two patients' visits
    is read by id."""
    older, shown, newer = (_closed_visit(personas, patient, day) for day in (1, 2, 3))
    other_patient = make_patient(personas.doctor, family_name="Más", given_name="Márta")
    other = _closed_visit(personas, other_patient, 2)
    for visit, state in ((older, OutboxState.SENT), (shown, OutboxState.PENDING)):
        _outbox_row(personas, visit, state)
    _outbox_row(personas, newer, OutboxState.REFUSED)
    _outbox_row(personas, other, OutboxState.RETRYING)
    loaded = {v.pk: v for v in Visit.objects.all()}
    assert visits_eeszt_states([loaded[shown.pk]]) == {shown.pk: frozenset({OutboxState.PENDING})}
    assert visits_eeszt_states([loaded[newer.pk], loaded[older.pk]]) == {
        newer.pk: frozenset({OutboxState.REFUSED}),
        older.pk: frozenset({OutboxState.SENT}),
    }
    assert visits_eeszt_states([loaded[shown.pk], loaded[other.pk]]) == {
        shown.pk: frozenset({OutboxState.PENDING}),
        other.pk: frozenset({OutboxState.RETRYING}),
    }


def test_an_item_is_stored_under_the_states_it_was_rendered_with(
    personas: Personas, patient: Patient, monkeypatch: Any
) -> None:
    """A row changing state between the states' read and the rendering: the item shows the
    new state and must not be stored under the old state's key."""
    from zomanc.clinical import fragments

    visit = _closed_visit(personas, patient, 1)
    row = _outbox_row(personas, visit, OutboxState.PENDING)
    read = fragments.visits_eeszt_states

    def read_then_send(visits: Any) -> dict[int, frozenset[str]]:
        states = read(visits)
        OutboxItem.objects.filter(pk=row.pk).update(state=OutboxState.SENT)
        return states

    monkeypatch.setattr(fragments, "visits_eeszt_states", read_then_send)
    client = personas.client_for(personas.doctor)
    assert "EESZT: elküldve" in _item(_page(client, patient), visit)
    monkeypatch.undo()
    OutboxItem.objects.filter(pk=row.pk).update(state=OutboxState.PENDING)
    assert "EESZT: küldésre vár" in _item(_page(client, patient), visit)


def test_an_item_with_a_csrf_token_is_never_stored(
    personas: Personas, patient: Patient, settings: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    """An extension template with a form would put the viewer's token into the item."""
    (tmp_path / "form_action.html").write_text(
        '<li><form method="post">{% csrf_token %}<button>x</button></form></li>'
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}
    ]
    monkeypatch.setattr(hooks, "VISIT_ACTION_TEMPLATES", ["form_action.html"])
    visit = _closed_visit(personas, patient, 1)
    page = _page(personas.client_for(personas.doctor), patient)
    assert 'name="csrfmiddlewaretoken"' in _item(page, visit)
    assert _cached_count() == 0


def test_the_history_pages_use_the_same_items(personas: Personas, patient: Patient) -> None:
    visit = _closed_visit(personas, patient, 1)
    client = personas.client_for(personas.doctor)
    on_page = _item(_page(client, patient), visit)
    history = reverse("clinical:patient_visit_history", args=[patient.pk])
    fragment = client.get(history, headers={"HX-Request": "true"}).content.decode()
    assert _item(fragment, visit) == on_page
    assert _cached_count() == 1


def test_the_template_tag_renders_an_empty_list(personas: Personas) -> None:
    template = Template("{% load clinical_tags %}[{% visit_items visits %}]")
    assert template.render(Context({"visits": [], "clinical": True})) == "[]"
