"""Writes of the treatment catalogue (kezelési katalógus), and the demo catalogue.

Every rule is checked here with a Hungarian message keyed by field, so the form, the demo
loader and any later import get the same answers."""

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_changes, audit_record
from zomanc.clinical.teeth import SURFACE_STATUSES, ToothStatus
from zomanc.codes.models import VARIANT_COUNT_MAX, TreatmentItem, VariantBasis, VatRate
from zomanc.practices.models import Practice, StaffMember

# A shortcut is the last word of a keyboard command line ("36 MOD töm"): one word, starting
# with a letter (a leading digit would read as a tooth number), lower case.
SHORTCUT_RE = re.compile(r"^[a-záéíóöőúüű][a-záéíóöőúüű0-9\-]{0,19}$")
# A quantity suffix of the command line ("x2", "2x") must not be mistaken for a shortcut.
QUANTITY_LIKE_RE = re.compile(r"^(?:[x×*]\d+|\d+[x×*])$")
OENO_RE = re.compile(r"^[0-9]{5}$")
MAX_PRICE = Decimal("9999999999")
MIN_DURATION, MAX_DURATION = 5, 480

FIELDS = (
    "name",
    "shortcut",
    "price",
    "vat_rate",
    "duration_minutes",
    "oeno_code",
    "needs_tooth",
    "needs_surfaces",
    "resulting_status",
    "family",
    "variant_basis",
    "variant_count",
)


def _variant_clean(
    *,
    practice: Practice,
    data: dict[str, Any],
    exclude_pk: int | None,
    is_active: bool,
    needs_tooth: bool,
    needs_surfaces: bool,
    add: Any,
) -> tuple[str, str, int | None]:
    """family, variant_basis, variant_count: all three for a family member, basis and count
    for a lone item fixed to a count, none for an ordinary item."""
    family = " ".join(str(data.get("family") or "").split())
    if len(family) > 100:
        add("family", _("A család neve legfeljebb 100 karakter lehet."))
    basis = str(data.get("variant_basis") or "")
    if basis and basis not in VariantBasis.values:
        add("variant_basis", _("Ismeretlen változatalap."))
        basis = ""
    raw_count = data.get("variant_count")
    count: int | None = None
    if raw_count not in (None, ""):
        try:
            count = int(raw_count)
        except (TypeError, ValueError):
            count = 0
        if not 1 <= count <= VARIANT_COUNT_MAX:
            add(
                "variant_count",
                _("A változat darabszáma 1 és %(max)s között lehet (%(max)s = %(max)s vagy több).")
                % {"max": VARIANT_COUNT_MAX},
            )
    if family and not basis:
        add(
            "variant_basis",
            _(
                "Családtagnál adja meg, mi szerint különböznek a változatok "
                "(felszín vagy csatorna)."
            ),
        )
    if basis and count is None:
        add("variant_count", _("Adja meg, hány felszínes vagy csatornás ez a változat."))
    if count is not None and not basis:
        add(
            "variant_basis",
            _("A darabszámhoz adja meg, mire vonatkozik (felszínek vagy csatornák száma)."),
        )
    if basis == VariantBasis.SURFACES and not needs_surfaces:
        add(
            "variant_basis",
            _("Felszínek szerinti változathoz jelölje be a „felszín megadása kötelező” mezőt."),
        )
    if basis == VariantBasis.CANALS and not needs_tooth:
        add(
            "variant_basis",
            _("Csatornák szerinti változathoz jelölje be a „fog megadása kötelező” mezőt."),
        )
    if family and basis:
        others = TreatmentItem.objects.filter(practice=practice, family=family, is_active=True)
        if exclude_pk is not None:
            others = others.exclude(pk=exclude_pk)
        other_basis = others.exclude(variant_basis=basis).first()
        if other_basis is not None:
            add(
                "variant_basis",
                _("A(z) „%(family)s” család változatai %(basis)s szerint különböznek.")
                % {
                    "family": family,
                    "basis": VariantBasis(other_basis.variant_basis).label
                    if other_basis.variant_basis
                    else "—",
                },
            )
        twin = others.filter(variant_count=count).first() if count is not None else None
        if twin is not None and is_active:
            add(
                "variant_count",
                _("A(z) „%(family)s” családban ez a változat már megvan: „%(name)s”.")
                % {"family": family, "name": twin.name},
            )
    return family, basis, count


def _clean(
    *,
    practice: Practice,
    data: dict[str, Any],
    exclude_pk: int | None,
    is_active: bool = True,
) -> dict[str, Any]:
    """Normalised field values, or a ValidationError naming every bad field."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    name = " ".join(str(data.get("name") or "").split())
    if not name:
        add("name", _("Adja meg a kezelés megnevezését."))
    elif len(name) > 200:
        add("name", _("A megnevezés legfeljebb 200 karakter lehet."))

    shortcut = str(data.get("shortcut") or "").strip().lower()
    if shortcut:
        if not SHORTCUT_RE.match(shortcut) or QUANTITY_LIKE_RE.match(shortcut):
            add(
                "shortcut",
                _(
                    "A gyorsbillentyű egyetlen szó, betűvel kezdődik, legfeljebb 20 karakter "
                    "(betűk, számjegyek, kötőjel), pl. „töm”, „gyök2”."
                ),
            )
        else:
            clash = TreatmentItem.objects.filter(practice=practice, shortcut=shortcut)
            if exclude_pk is not None:
                clash = clash.exclude(pk=exclude_pk)
            other = clash.first()
            if other is not None:
                add(
                    "shortcut",
                    _(
                        "A(z) „%(shortcut)s” gyorsbillentyűt már a(z) „%(name)s” kezelés "
                        "használja%(inactive)s."
                    )
                    % {
                        "shortcut": shortcut,
                        "name": other.name,
                        "inactive": "" if other.is_active else _(" (inaktív)"),
                    },
                )

    price: Decimal | None = None
    raw_price = data.get("price")
    try:
        price = Decimal(str(raw_price).replace(" ", "").replace("\xa0", ""))
    except (InvalidOperation, ValueError):
        add("price", _("Adja meg az árat forintban (pl. 25000)."))
    if price is not None:
        if not price.is_finite():
            add("price", _("Adja meg az árat forintban (pl. 25000)."))
        elif price < 0:
            add("price", _("Az ár nem lehet negatív."))
        elif price != price.to_integral_value():
            add("price", _("Az árat egész forintban adja meg."))
        elif price > MAX_PRICE:
            add("price", _("Az ár túl nagy."))

    vat_rate = str(data.get("vat_rate") or VatRate.EXEMPT)
    if vat_rate not in VatRate.values:
        add("vat_rate", _("Ismeretlen áfakulcs."))

    try:
        duration = int(data.get("duration_minutes") or 0)
    except (TypeError, ValueError):
        duration = 0
    if not MIN_DURATION <= duration <= MAX_DURATION:
        add(
            "duration_minutes",
            _("Az időtartam %(min)s és %(max)s perc között lehet.")
            % {"min": MIN_DURATION, "max": MAX_DURATION},
        )

    oeno_code = str(data.get("oeno_code") or "").strip()
    if oeno_code and not OENO_RE.match(oeno_code):
        add("oeno_code", _("Az OENO-kód pontosan 5 számjegy; ha nem ismert, hagyja üresen."))

    needs_tooth = bool(data.get("needs_tooth"))
    needs_surfaces = bool(data.get("needs_surfaces"))
    if needs_surfaces and not needs_tooth:
        add(
            "needs_surfaces",
            _("Felszínt csak foghoz lehet megadni: jelölje be a „fog megadása kötelező” mezőt is."),
        )

    resulting_status = str(data.get("resulting_status") or "")
    if resulting_status:
        if resulting_status not in ToothStatus.values:
            add("resulting_status", _("Ismeretlen fogstátusz."))
        elif not needs_tooth:
            add(
                "resulting_status",
                _("Fogstátuszt csak fogra vonatkozó kezelés állíthat (fog megadása kötelező)."),
            )
        elif needs_surfaces and resulting_status not in SURFACE_STATUSES:
            add(
                "resulting_status",
                _("A(z) „%(status)s” az egész fogra vonatkozik; felszínes kezeléshez nem illik.")
                % {"status": ToothStatus(resulting_status).label},
            )

    family, variant_basis, variant_count = _variant_clean(
        practice=practice,
        data=data,
        exclude_pk=exclude_pk,
        is_active=is_active,
        needs_tooth=needs_tooth,
        needs_surfaces=needs_surfaces,
        add=add,
    )

    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "shortcut": shortcut,
        "price": price,
        "vat_rate": vat_rate,
        "duration_minutes": duration,
        "oeno_code": oeno_code,
        "needs_tooth": needs_tooth,
        "needs_surfaces": needs_surfaces,
        "resulting_status": resulting_status,
        "family": family,
        "variant_basis": variant_basis,
        "variant_count": variant_count,
    }


def _snapshot(item: TreatmentItem) -> dict[str, Any]:
    values = {field: getattr(item, field) for field in FIELDS}
    values["price"] = str(values["price"])
    values["is_active"] = item.is_active
    return values


def _save(item: TreatmentItem) -> None:
    """Saves inside a savepoint: a concurrent writer that took the same shortcut between our
    check and our write is answered like the check would have answered."""
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError as error:
        if "variant" in str(error):
            raise ValidationError(
                {"variant_count": [_("Ezt a változatot közben egy másik kezelés kapta meg.")]}
            ) from None
        raise ValidationError(
            {"shortcut": [_("Ezt a gyorsbillentyűt közben egy másik kezelés kapta meg.")]}
        ) from None


@transaction.atomic
def treatment_item_create(
    *,
    practice: Practice,
    actor: StaffMember | None,
    request: HttpRequest | None = None,
    **fields: Any,
) -> TreatmentItem:
    """Fields: name, shortcut, price, vat_rate, duration_minutes, oeno_code, needs_tooth,
    needs_surfaces, resulting_status, family, variant_basis, variant_count."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    values = _clean(practice=practice, data=fields, exclude_pk=None)
    item = TreatmentItem(practice=practice, **values)
    _save(item)
    audit_record(
        practice=practice,
        actor=actor.user if actor else None,
        action=AuditAction.CREATE,
        obj=item,
        summary=_("Kezelés felvéve a katalógusba: %(name)s") % {"name": item.name},
        changes=_snapshot(item),
        request=request,
    )
    return item


@transaction.atomic
def treatment_item_update(
    *,
    item: TreatmentItem,
    actor: StaffMember | None,
    request: HttpRequest | None = None,
    **fields: Any,
) -> TreatmentItem:
    """Fields not given keep their value. Past procedures keep the price they were booked
    with (the clinical app copies it), so a price change affects only new entries."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    before = _snapshot(item)
    data = {field: getattr(item, field) for field in FIELDS} | fields
    values = _clean(practice=item.practice, data=data, exclude_pk=item.pk, is_active=item.is_active)
    for field, value in values.items():
        setattr(item, field, value)
    _save(item)
    audit_record(
        practice=item.practice,
        actor=actor.user if actor else None,
        action=AuditAction.UPDATE,
        obj=item,
        summary=_("Katalógus módosítva: %(name)s") % {"name": item.name},
        changes=audit_changes(before, _snapshot(item)),
        request=request,
    )
    return item


@transaction.atomic
def treatment_item_set_active(
    *,
    item: TreatmentItem,
    is_active: bool,
    actor: StaffMember | None,
    request: HttpRequest | None = None,
) -> TreatmentItem:
    """Deactivated, never deleted: past procedures point at the item. An inactive item is
    not offered for new entries and its shortcut does not work on the command line."""
    if item.is_active == is_active:
        return item
    if is_active and item.family and item.variant_count is not None:
        twin = (
            TreatmentItem.objects.filter(
                practice_id=item.practice_id,
                family=item.family,
                variant_count=item.variant_count,
                is_active=True,
            )
            .exclude(pk=item.pk)
            .first()
        )
        if twin is not None:
            raise ValidationError(
                _(
                    "A(z) „%(name)s” nem aktiválható: a(z) „%(family)s” család ezen változata "
                    "már aktív („%(twin)s”)."
                )
                % {"name": item.name, "family": item.family, "twin": twin.name}
            )
    item.is_active = is_active
    item.save(update_fields=["is_active"])
    audit_record(
        practice=item.practice,
        actor=actor.user if actor else None,
        action=AuditAction.UPDATE,
        obj=item,
        summary=(
            _("Kezelés újra aktív: %(name)s") if is_active else _("Kezelés inaktiválva: %(name)s")
        )
        % {"name": item.name},
        changes={"is_active": [not is_active, is_active]},
        request=request,
    )
    return item


def treatment_item_deactivate(
    *, item: TreatmentItem, actor: StaffMember | None, request: HttpRequest | None = None
) -> TreatmentItem:
    return treatment_item_set_active(item=item, is_active=False, actor=actor, request=request)
