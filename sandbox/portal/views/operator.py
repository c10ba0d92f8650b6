""" "Üzemeltetés": fault injection rules, counters, the sandbox clock (the same services as
the admin JSON endpoint). Protected by the admin token (SANDBOX_ADMIN_TOKEN): the operator
types it once, the session remembers it."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sandbox.clock.services import clock_offset_set, now, offset_seconds
from sandbox.faults import services as faults
from sandbox.faults.models import FaultRule
from sandbox.portal.forms import ClockForm, FaultRuleForm, OperatorLoginForm
from sandbox.portal.session import KEY_OPERATOR, operator_required
from sandbox.soap.registry import SERVICES


def _services() -> list[tuple[str, str]]:
    return [
        (s.name, f"{s.name} — {s.title}") for s in sorted(SERVICES.values(), key=lambda s: s.name)
    ]


@require_http_methods(["GET", "POST"])
def operator_login(request: HttpRequest) -> HttpResponse:
    form = OperatorLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        given = str(form.cleaned_data["token"]).encode()
        if secrets.compare_digest(given, settings.SANDBOX_ADMIN_TOKEN.encode()):
            request.session.cycle_key()
            request.session[KEY_OPERATOR] = True
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = ""
            return redirect(target or "portal:operator")
        form.add_error("token", _("Hibás token."))
    return render(
        request, "portal/operator_login.html", {"form": form}, status=400 if form.errors else 200
    )


@require_POST
def operator_logout(request: HttpRequest) -> HttpResponse:
    request.session.pop(KEY_OPERATOR, None)
    return redirect("portal:home")


def _clock_initial() -> dict[str, int]:
    seconds = offset_seconds()
    sign = -1 if seconds < 0 else 1
    days, rest = divmod(abs(seconds), 86_400)
    hours, rest = divmod(rest, 3_600)
    return {"days": sign * days, "hours": sign * hours, "minutes": sign * (rest // 60)}


def _rule_row(rule: FaultRule) -> dict[str, Any]:
    return {
        "rule": rule,
        "pct_503": round(rule.share_http_503 * 100, 2),
        "pct_unavailable": round(rule.share_unavailable_fault * 100, 2),
        "pct_drop": round(rule.share_drop * 100, 2),
        "pct_hang": round(rule.share_hang * 100, 2),
    }


def _page(
    request: HttpRequest,
    *,
    fault_form: FaultRuleForm | None = None,
    clock_form: ClockForm | None = None,
) -> HttpResponse:
    status = (
        400 if (fault_form and fault_form.errors) or (clock_form and clock_form.errors) else 200
    )
    return render(
        request,
        "portal/operator.html",
        {
            "fault_form": fault_form or FaultRuleForm(services=_services()),
            "clock_form": clock_form or ClockForm(initial=_clock_initial()),
            "rules": [_rule_row(r) for r in FaultRule.objects.order_by("service")],
            "counters": faults.counters_snapshot(),
            "offset_seconds": offset_seconds(),
            "sandbox_now": now(),
        },
        status=status,
    )


@operator_required
def operator(request: HttpRequest) -> HttpResponse:
    return _page(request)


@operator_required
@require_POST
def fault_set(request: HttpRequest) -> HttpResponse:
    form = FaultRuleForm(request.POST, services=_services())
    if not form.is_valid():
        return _page(request, fault_form=form)
    service = form.cleaned_data["service"]
    faults.fault_rule_set(service=service, **form.rule_values())
    messages.success(request, _("Hibainjektálási szabály mentve: %(s)s.") % {"s": service})
    return redirect("portal:operator")


@operator_required
@require_POST
def fault_delete(request: HttpRequest) -> HttpResponse:
    service = request.POST.get("service", "")
    if faults.fault_rule_delete(service=service):
        messages.success(request, _("Szabály törölve: %(s)s.") % {"s": service})
    else:
        messages.error(request, _("Nincs ilyen szabály."))
    return redirect("portal:operator")


@operator_required
@require_POST
def faults_clear(request: HttpRequest) -> HttpResponse:
    faults.fault_rules_clear()
    messages.success(request, _("Minden hibainjektálási szabály törölve."))
    return redirect("portal:operator")


@operator_required
@require_POST
def counters_reset(request: HttpRequest) -> HttpResponse:
    faults.counters_reset()
    messages.success(request, _("A számlálók nullázva."))
    return redirect("portal:operator")


@operator_required
@require_POST
def clock_set(request: HttpRequest) -> HttpResponse:
    form = ClockForm(request.POST)
    if not form.is_valid():
        return _page(request, clock_form=form)
    clock_offset_set(seconds=form.seconds())
    messages.success(
        request, _("A sandbox órája eltolva: %(s)d másodperc.") % {"s": form.seconds()}
    )
    return redirect("portal:operator")
