"""What can go wrong on the wire, as three kinds the rest of the product acts on.

- EesztUnavailable: transport trouble or EESZT says it cannot serve now → retry later.
- EesztLoginRequired: the user's EESZT session is over or not accepted → ask him to log in,
  then continue.
- EesztRefused: a business refusal → stop, show the code, EESZT's message and what to do.
"""

from dataclasses import dataclass


@dataclass
class EesztError(Exception):
    code: str
    message: str
    request_id: str = ""
    element: str = ""

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass
class EesztUnavailable(EesztError):
    retry_after_seconds: int | None = None


@dataclass
class EesztLoginRequired(EesztError):
    pass


@dataclass
class EesztRefused(EesztError):
    pass


# Codes after which the same request may succeed later without any change.
RETRY_CODES = frozenset({"SERVICE_UNAVAILABLE"})
# Codes that mean "the user must log in to EESZT again".
LOGIN_CODES = frozenset({"AUTH_SESSION_EXPIRED", "AUTH_ASSERTION_INVALID"})


def error_from_fault(
    code: str, message: str, request_id: str = "", element: str = ""
) -> EesztError:
    """Maps a fault code of the contract (§9) to the kind the product acts on."""
    if code in RETRY_CODES:
        return EesztUnavailable(code, message, request_id, element)
    if code in LOGIN_CODES:
        return EesztLoginRequired(code, message, request_id, element)
    return EesztRefused(code, message, request_id, element)
