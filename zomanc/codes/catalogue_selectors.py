"""Reads of the practice's treatment catalogue (kezelési katalógus), and the choice of a
family's variant by the surfaces or root canals entered (treatment_variant_for: the one place
the command line, the procedure form and, later, treatment plans decide it)."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from zomanc.codes.models import VARIANT_COUNT_MAX, TreatmentItem, VariantBasis
from zomanc.practices.models import Practice, StaffMember


def treatment_catalogue(practice: Practice, active_only: bool = True) -> QuerySet[TreatmentItem]:
    """The practice's catalogue by name; only the active items unless asked otherwise."""
    qs = TreatmentItem.objects.filter(practice=practice)
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("name", "id")


def access_treatment_item(member: StaffMember, item_id: int) -> TreatmentItem:
    """The catalogue item with this id in the member's practice; 404 for any other id."""
    item = TreatmentItem.objects.filter(practice_id=member.practice_id, pk=item_id).first()
    if item is None:
        raise Http404
    item.practice = member.practice
    return item


def treatment_by_shortcut(practice: Practice, shortcut: str) -> TreatmentItem | None:
    """The active item with this keyboard shortcut (case-insensitive), or None."""
    return (
        TreatmentItem.objects.filter(
            practice=practice, is_active=True, shortcut=shortcut.strip().lower()
        )
        .order_by("id")
        .first()
    )


def variant_count_for(number: int) -> int:
    """The variant count that covers `number` surfaces or canals (5 surfaces → the 4+ one)."""
    return min(number, VARIANT_COUNT_MAX)


def _count_text(count: int) -> str:
    """3 → "3", 4 → "4+" (the highest variant stands for that many or more)."""
    return f"{count}+" if count >= VARIANT_COUNT_MAX else str(count)


def _variant_number(item: TreatmentItem, surfaces: str, canals: int | None) -> int | None:
    """How many surfaces/canals were entered for `item`'s basis; None when not entered.

    `surfaces` are canonical letters (clinical.teeth.surfaces_normalize: distinct, B read as
    V), so their count is the number of distinct surfaces."""
    if item.variant_basis == VariantBasis.SURFACES:
        return len(surfaces) or None
    if item.variant_basis == VariantBasis.CANALS:
        return canals
    return None


def _canals_refuse(item: TreatmentItem, canals: int | None) -> None:
    if canals is not None and item.variant_basis != VariantBasis.CANALS:
        raise ValidationError(
            {
                "canals": [
                    _(
                        "A(z) „%(name)s” ára nem a csatornák számától függ: csatornaszám "
                        "(pl. „3c”) nem adható meg hozzá."
                    )
                    % {"name": item.name}
                ]
            }
        )


def treatment_variant_for(
    *, item: TreatmentItem, surfaces: str, canals: int | None = None
) -> TreatmentItem:
    """The variant of `item`'s family that fits the surfaces or canals entered.

    `item` names the family (any of its variants will do); the count entered decides: the
    active variant with that count (4 or more → the 4+ variant). Without a family, or
    when no count was entered (e.g. "46 gyök" without "3c"), `item` itself is the choice.
    Raises a ValidationError (keyed "surfaces" or "canals") when the family has no variant
    for the count. The result still goes through treatment_variant_check at recording."""
    _canals_refuse(item, canals)
    number = _variant_number(item, surfaces, canals)
    if not item.family or number is None:
        return item
    wanted = variant_count_for(number)
    if item.variant_count == wanted and item.is_active:
        return item
    variant = (
        TreatmentItem.objects.filter(
            practice_id=item.practice_id,
            family=item.family,
            variant_basis=item.variant_basis,
            variant_count=wanted,
            is_active=True,
        )
        .order_by("id")
        .first()
    )
    if variant is None:
        field = "surfaces" if item.variant_basis == VariantBasis.SURFACES else "canals"
        message = (
            _("A(z) „%(family)s” családban nincs %(count)s felszínes változat a katalógusban.")
            if field == "surfaces"
            else _("A(z) „%(family)s” családban nincs %(count)s csatornás változat a katalógusban.")
        )
        raise ValidationError(
            {field: [message % {"family": item.family, "count": _count_text(wanted)}]}
        )
    return variant


def treatment_variant_check(
    *, item: TreatmentItem, surfaces: str, canals: int | None = None
) -> None:
    """Refuses a variant chosen by itself with a different number of surfaces or canals
    (e.g. "Kompozit tömés, 1 felszín" with MOD): the price would not match the chart."""
    _canals_refuse(item, canals)
    number = _variant_number(item, surfaces, canals)
    if item.variant_count is None or number is None:
        return
    if variant_count_for(number) == item.variant_count:
        return
    hint = ""
    if item.family:
        hint = " " + _(
            "Válassza a megfelelő változatot, vagy a(z) „%(family)s” családot, és a program "
            "választ."
        ) % {"family": item.family}
    if item.variant_basis == VariantBasis.SURFACES:
        raise ValidationError(
            {
                "surfaces": [
                    _(
                        "A(z) „%(name)s” %(fixed)s felszínes kezelés, de %(count)s felszín "
                        "(%(surfaces)s) van megadva."
                    )
                    % {
                        "name": item.name,
                        "fixed": _count_text(item.variant_count),
                        "count": number,
                        "surfaces": surfaces,
                    }
                    + hint
                ]
            }
        )
    raise ValidationError(
        {
            "canals": [
                _("A(z) „%(name)s” %(fixed)s csatornás kezelés, de %(count)s csatorna van megadva.")
                % {"name": item.name, "fixed": _count_text(item.variant_count), "count": number}
                + hint
            ]
        }
    )


def treatment_families(practice: Practice) -> list[str]:
    """Names of the practice's catalogue families (for the catalogue form's suggestions)."""
    return list(
        TreatmentItem.objects.filter(practice=practice)
        .exclude(family="")
        .values_list("family", flat=True)
        .distinct()
        .order_by("family")
    )
