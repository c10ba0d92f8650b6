"""Which validator applies to which identifier type, and how a stored value is shown.

The validators themselves live in zomanc.codes.validators (pure, shared with the API and the
EESZT module); this module only maps the patient's `id_type` onto them."""

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from zomanc.codes.validators import (
    eu_card_normalise,
    other_id_normalise,
    passport_normalise,
    taj_format,
    taj_normalise,
)
from zomanc.patients.models import IdType

_NORMALISERS: dict[str, Callable[[str], str]] = {
    IdType.TAJ: taj_normalise,
    IdType.PASSPORT: passport_normalise,
    IdType.EU_CARD: eu_card_normalise,
    IdType.OTHER: other_id_normalise,
}


def identifier_normalise(id_type: str, value: str) -> str:
    """The stored form of `value` for `id_type`; "" for a patient without identifier.

    Raises ValidationError (Hungarian message, code naming the failed rule)."""
    if id_type == IdType.UNKNOWN:
        if (value or "").strip():
            raise ValidationError(
                _("Azonosító nélküli páciensnél hagyja üresen az azonosító mezőt."),
                code="unknown_with_value",
            )
        return ""
    try:
        normaliser = _NORMALISERS[id_type]
    except KeyError:
        raise ValidationError(_("Ismeretlen azonosítótípus."), code="id_type") from None
    return normaliser(value)


def identifier_display(id_type: str, value: str) -> str:
    return taj_format(value) if id_type == IdType.TAJ else value
