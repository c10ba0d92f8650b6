from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from zomanc.core.http import MemberRequest, member_required


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
