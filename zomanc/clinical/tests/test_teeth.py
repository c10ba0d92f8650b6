"""FDI numbers, surface rules and the chart fold."""

import pytest

from zomanc.clinical.chart_svg import chart_svg
from zomanc.clinical.teeth import (
    ALL_TEETH,
    ToothRuleError,
    ToothState,
    ToothStatus,
    chart_build,
    status_validate,
    surfaces_normalize,
    tooth_surfaces,
    tooth_validate,
)


def test_fdi_has_32_permanent_and_20_primary_teeth() -> None:
    assert len(ALL_TEETH) == 52
    assert {11, 18, 28, 38, 48, 51, 55, 65, 75, 85} <= ALL_TEETH


@pytest.mark.parametrize("number", [0, 9, 10, 19, 20, 49, 50, 56, 66, 86, 91, 100])
def test_tooth_not_in_fdi_is_refused(number: int) -> None:
    with pytest.raises(ToothRuleError, match=f"A\\(z\\) {number} nem FDI fogszám"):
        tooth_validate(number)


def test_surfaces_per_tooth_kind_and_jaw() -> None:
    assert tooth_surfaces(11) == "MIDVP"  # upper incisor
    assert tooth_surfaces(36) == "MODVL"  # lower molar
    assert tooth_surfaces(43) == "MIDVL"  # lower canine
    assert tooth_surfaces(14) == "MODVP"  # upper premolar
    assert tooth_surfaces(54) == "MODVP"  # primary upper molar
    assert tooth_surfaces(73) == "MIDVL"  # primary lower canine


def test_surfaces_are_normalised_to_canonical_order_and_b_is_v() -> None:
    assert surfaces_normalize(36, "dom") == "MOD"
    assert surfaces_normalize(36, "LB") == "VL"
    assert surfaces_normalize(11, "i") == "I"


def test_occlusal_on_incisor_is_refused_naming_tooth_and_surface() -> None:
    with pytest.raises(ToothRuleError, match=r"A\(z\) 11\. fogon nincs O felszín"):
        surfaces_normalize(11, "O")


def test_incisal_on_molar_is_refused() -> None:
    with pytest.raises(ToothRuleError, match=r"A\(z\) 46\. fogon nincs I felszín"):
        surfaces_normalize(46, "MI")


def test_palatal_on_lower_tooth_and_lingual_on_upper_are_refused() -> None:
    with pytest.raises(ToothRuleError, match=r"36\. fogon nincs P felszín"):
        surfaces_normalize(36, "P")
    with pytest.raises(ToothRuleError, match=r"26\. fogon nincs L felszín"):
        surfaces_normalize(26, "L")


def test_unknown_letter_and_duplicate_surface_are_refused() -> None:
    with pytest.raises(ToothRuleError, match="Ismeretlen felszínjelölés"):
        surfaces_normalize(36, "X")
    with pytest.raises(ToothRuleError, match="kétszer"):
        surfaces_normalize(36, "MM")
    with pytest.raises(ToothRuleError, match="kétszer"):
        surfaces_normalize(36, "BV")  # B is V


def test_whole_tooth_status_with_surfaces_is_refused() -> None:
    with pytest.raises(ToothRuleError, match="az egész fogra vonatkozik"):
        status_validate(ToothStatus.CROWN, "O")
    assert status_validate(ToothStatus.CARIES, "MO") == ToothStatus.CARIES


def test_chart_fold_surface_and_whole_tooth_statuses() -> None:
    chart = chart_build(
        [
            (36, "MO", "caries"),
            (36, "MO", "filling"),
            (36, "", "root_canal"),
            (46, "O", "caries"),
            (46, "", "missing"),
            (11, "I", "caries"),
            (11, "", "healthy"),
        ]
    )
    assert chart[36] == ToothState(status="root_canal", surfaces={"M": "filling", "O": "filling"})
    assert chart[46] == ToothState(status="missing", surfaces={})  # no surfaces left
    assert chart[11].is_healthy


def test_svg_marks_statuses_and_draws_the_cross() -> None:
    svg = chart_svg(chart_build([(36, "MO", "caries"), (46, "", "missing")]), show_primary=True)
    assert svg.count('class="tooth') == 52
    assert 'data-tooth="36" data-status="healthy"' in svg
    assert 'data-tooth="46" data-status="missing"' in svg
    assert '<polygon points="10,10 24,10 24,24 10,24" fill="#d62728"' in svg  # 36 O caries
    # Upper right quadrant first on the left of the cross: 18 comes before 11, 11 before 21.
    assert (
        svg.index('data-tooth="18"') < svg.index('data-tooth="11"') < svg.index('data-tooth="21"')
    )
    assert (
        svg.index('data-tooth="48"') < svg.index('data-tooth="41"') < svg.index('data-tooth="31"')
    )
    assert "style=" not in svg  # the CSP allows no inline styles


def test_svg_without_primary_rows() -> None:
    svg = chart_svg({}, show_primary=False)
    assert svg.count('class="tooth') == 32
    assert 'data-tooth="55"' not in svg
