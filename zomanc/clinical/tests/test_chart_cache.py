"""The tooth chart's drawing from the fragment cache (chart_svg.chart_svg_cached): the cached
drawing is the drawing, every input it depends on — the findings, the primary rows, the
caption, the language, the practice — gives a new entry, and the patient page's chart follows
a new finding."""

import datetime as dt
import zlib

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone, translation

from zomanc.clinical.chart_svg import (
    CHART_CACHE_ALIAS,
    chart_cache_key,
    chart_svg,
    chart_svg_cached,
)
from zomanc.clinical.services import visit_command_apply
from zomanc.clinical.teeth import chart_build
from zomanc.clinical.tests.conftest import open_visit_for
from zomanc.conftest import Personas
from zomanc.patients.models import Patient

FINDINGS = [(36, "MO", "caries"), (46, "", "missing")]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    caches[CHART_CACHE_ALIAS].clear()


def _key(**changes: object) -> str:
    inputs: dict[str, object] = {
        "findings": FINDINGS,
        "show_primary": False,
        "caption": "Fogtérkép",
        "practice_id": 1,
        **changes,
    }
    findings = inputs.pop("findings")
    return chart_cache_key(findings, **inputs)  # type: ignore[arg-type]


def test_the_cached_drawing_is_the_drawing() -> None:
    expected = chart_svg(chart_build(FINDINGS), show_primary=True, caption="Fogtérkép")
    first = chart_svg_cached(FINDINGS, show_primary=True, caption="Fogtérkép", practice_id=1)
    second = chart_svg_cached(FINDINGS, show_primary=True, caption="Fogtérkép", practice_id=1)
    assert first == second == expected
    stored = caches[CHART_CACHE_ALIAS].get(_key(show_primary=True))
    assert zlib.decompress(stored).decode() == str(expected)
    assert len(stored) < len(expected) / 5  # kept compressed: the alias bounds entries only


@translation.override("hu")
def test_every_input_is_in_the_key() -> None:
    keys = {
        _key(),
        _key(findings=[*FINDINGS, (11, "I", "filling")]),
        _key(findings=[(36, "MO", "filling"), (46, "", "missing")]),
        _key(findings=[(36, "M", "caries"), (46, "", "missing")]),
        _key(findings=list(reversed(FINDINGS))),  # order matters: later findings win
        _key(findings=[]),
        _key(show_primary=True),
        _key(caption="Fogtérkép az ellátás végén"),
        _key(practice_id=2),  # tenants never share an entry
    }
    assert len(keys) == 9
    with translation.override("en"):
        assert _key() not in keys
    assert _key() == _key(findings=list(FINDINGS))


def test_each_language_has_its_own_drawing() -> None:
    with translation.override("hu"):
        hungarian = chart_svg_cached(FINDINGS, show_primary=False, caption="x", practice_id=1)
    with translation.override("en"):
        english = chart_svg_cached(FINDINGS, show_primary=False, caption="x", practice_id=1)
        assert english == chart_svg(chart_build(FINDINGS), show_primary=False, caption="x")
    assert "szuvas" in hungarian and "szuvas" not in english


@pytest.mark.usefixtures("bno", "catalogue")
def test_the_patient_page_shows_a_new_finding(personas: Personas, patient: Patient) -> None:
    """The chart is drawn from the cache on the second view and redrawn after a finding."""
    client = personas.client_for(personas.doctor)
    url = reverse("patients:detail", args=[patient.pk])
    first = client.get(url).content.decode()
    assert 'data-tooth="36" data-status="healthy"' in first
    assert 'data-tooth="36" data-status="healthy"' in client.get(url).content.decode()
    visit = open_visit_for(personas, patient, started_at=timezone.now() - dt.timedelta(minutes=5))
    visit_command_apply(visit=visit, line="36 ext", entered_by=personas.doctor.user)
    after = client.get(url).content.decode()
    assert 'data-tooth="36" data-status="missing"' in after
    assert 'data-tooth="36" data-status="healthy"' not in after


def test_the_markup_version_is_in_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 12 made the teeth focusable buttons (markup version 2): drawings stored by the
    previous code must miss, so the version is part of the key; the drawing itself stays
    patient-agnostic (the tooth history's URL is on the figure around it, not in here)."""
    from zomanc.clinical import chart_svg as module

    current = _key()
    monkeypatch.setattr(module, "CHART_MARKUP_VERSION", module.CHART_MARKUP_VERSION - 1)
    assert _key() != current
    svg = str(chart_svg(chart_build(FINDINGS), show_primary=False, caption="x"))
    assert svg.count('tabindex="0" role="button" aria-pressed="false"') == 32
    assert "/karton/" not in svg
