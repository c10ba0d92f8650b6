"""Template context of every portal page: who is logged in (for the header and the menu)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from sandbox.portal.session import KEY_OPERATOR, current_patient, portal_session


def portal(request: HttpRequest) -> dict[str, Any]:
    if not request.path.startswith("/") or request.path.startswith(("/soap/", "/refdata/")):
        return {}
    return {
        "portal": portal_session(request),
        "portal_operator": bool(request.session.get(KEY_OPERATOR)),
        "portal_patient": current_patient(request),
        "card_service_url": settings.SANDBOX_CARD_SERVICE_URL,
    }
