"""What every API router shares (the patients' in api.py, the plans' in zomanc/plans/api.py):
id bounds, the declared error answers, a service refusal to answer as 422, and the token's
member checked against a permission."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError

from zomanc.api.models import ApiToken
from zomanc.api.schemas import ErrorOut
from zomanc.practices.models import StaffMember
from zomanc.practices.permissions import Perm, member_can

MAX_ID = 2**63 - 1  # larger ids overflow the database's bigint: a 422, not a 500

READ_ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
BODY_ERRORS: dict[int, type[ErrorOut]] = {
    **READ_ERRORS,
    400: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
}


class ServiceValidationError(Exception):
    """A service's ValidationError on its way to the API's 422 answer (api.py's handler)."""

    def __init__(self, exc: DjangoValidationError) -> None:
        self.exc = exc


def api_member(request: HttpRequest, perm: Perm) -> StaffMember:
    """The token's staff membership, if its role may `perm`; else 403."""
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    if not member_can(token.member, perm):
        raise HttpError(403, _("Ehhez a művelethez nincs jogosultsága."))
    return token.member
