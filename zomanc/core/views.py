from django.contrib import messages
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zomanc.core.http import MemberRequest, member_required
from zomanc.core.middleware import ACTIVE_PRACTICE_SESSION_KEY


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and the demo smoke test: 503 names the failing part."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@member_required()
def home(request: MemberRequest) -> HttpResponse:
    return render(request, "core/home.html")


@require_POST
@member_required()
def switch_practice(request: MemberRequest) -> HttpResponse:
    """Chooses which of the user's practices he acts for; only his own active memberships
    count (the middleware ignores any other id)."""
    wanted = request.POST.get("practice", "")
    memberships = getattr(request, "memberships", [])
    chosen = next((m for m in memberships if str(m.practice_id) == wanted), None)
    if chosen is None:
        messages.error(request, _("Ehhez a rendelőhöz nincs hozzáférése."))
    else:
        request.session[ACTIVE_PRACTICE_SESSION_KEY] = chosen.practice_id
        messages.success(request, _("Aktív rendelő: %(name)s") % {"name": chosen.practice.name})
    # Back to the home page, not the previous page: an id in the old URL belongs to the
    # previous practice and would only answer 404 now.
    return redirect("core:home")
