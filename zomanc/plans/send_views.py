"""The plan page's "Árajánlat küldése e-mailben" (plans/send.py does the work)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zomanc.core.http import MemberRequest, member_required
from zomanc.plans.selectors import access_plan
from zomanc.plans.send import plan_quote_send
from zomanc.practices.permissions import Perm


@member_required(Perm.PLAN_SEND)
@require_POST
def plan_send_email(request: MemberRequest, plan_id: int) -> HttpResponse:
    plan = access_plan(request.member, plan_id)
    try:
        message = plan_quote_send(plan=plan, actor=request.member, request=request)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(
            request,
            _(
                "Az árajánlat küldésre vár: %(to)s. Az állapotát a páciens lapján, "
                "az Üzenetek között látja."
            )
            % {"to": message.recipient},
        )
    return redirect("plans:detail", plan.pk)
