"""The product's URLs plus one stand-in "EESZT feature" view, for testing the login-required
helper before the real feature views (documents, eProfil, referrals) exist."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from zomanc.core.http import MemberRequest, member_required
from zomanc.eeszt.client import ekat
from zomanc.eeszt.context import eeszt_connection, eeszt_context_for, eeszt_login_redirects
from zomanc.eeszt.setup.selectors import access_eeszt_company
from zomanc.practices.permissions import Perm


@member_required(Perm.EESZT_USE)
@eeszt_login_redirects
def probe(request: HttpRequest, company_id: int) -> HttpResponse:
    member_request: MemberRequest = request  # type: ignore[assignment]
    company = access_eeszt_company(member_request.member, company_id)
    ctx = eeszt_context_for(request, company)
    ekat.event_query(eeszt_connection(company), ctx, patient=ekat.PatientRef("TAJ", "111111110"))
    return HttpResponse(f"ok {ctx.user_id} {ctx.role} {ctx.org_unit_id}")


urlpatterns = [
    path("probe/<int:company_id>/", probe, name="eeszt_probe"),
    path("", include("zomanc.urls")),
]
