"""The NAV portal (Hungarian, like NAV's Online Számla web interface): register taxpayers,
create technical users (secrets shown once), browse invoices and their processing results,
approve technical annulments, see rejected requests, switch NAV faults. Served on the HTTP
listener; protected by the sandbox admin token like the Üzemeltetés pages (a sandbox has
no Ügyfélkapu)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from sandbox.clock.services import now
from sandbox.faults import services as faults
from sandbox.faults.models import FaultRule
from sandbox.nav import selectors, services
from sandbox.nav.api import FAULT_SERVICE
from sandbox.nav.forms import NavFaultForm, TaxpayerForm
from sandbox.nav.models import Report
from sandbox.portal.session import operator_required

SECRETS_KEY = "nav_new_user"


@operator_required
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "nav/home.html",
        {
            "taxpayers": selectors.taxpayers_list(),
            "host": settings.SANDBOX_HTTPS_HOST,
            "api_port": settings.SANDBOX_NAV_HTTPS_PORT,
        },
    )


@operator_required
@require_http_methods(["GET", "POST"])
def taxpayer_register_view(request: HttpRequest) -> HttpResponse:
    form = TaxpayerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            taxpayer = services.taxpayer_register(**data)
        except services.PortalError as exc:
            form.add_error("tax_number", str(exc))
        else:
            messages.success(request, f"Adózó regisztrálva: {taxpayer.tax_number} {taxpayer.name}.")
            return redirect("nav:taxpayer", tax_number=taxpayer.tax_number)
    return render(
        request,
        "nav/form_page.html",
        {"form": form, "heading": "Adózó regisztrációja", "submit": "Regisztráció"},
        status=400 if form.errors else 200,
    )


@operator_required
def taxpayer_detail(request: HttpRequest, tax_number: str) -> HttpResponse:
    taxpayer = selectors.access_taxpayer(tax_number)
    # The new user's secrets are shown on this one page view only.
    secrets = request.session.pop(SECRETS_KEY, None)
    if secrets and secrets.get("tax_number") != taxpayer.tax_number:
        secrets = None
    return render(
        request,
        "nav/taxpayer.html",
        {"taxpayer": taxpayer, "users": selectors.users_of(taxpayer), "secrets": secrets},
    )


@operator_required
@require_POST
def user_create(request: HttpRequest, tax_number: str) -> HttpResponse:
    taxpayer = selectors.access_taxpayer(tax_number)
    new = services.technical_user_create(taxpayer=taxpayer)
    request.session[SECRETS_KEY] = {
        "tax_number": taxpayer.tax_number,
        "login": new.user.login,
        "password": new.password,
        "signature_key": new.user.signature_key,
        "exchange_key": new.user.exchange_key,
    }
    return redirect("nav:taxpayer", tax_number=taxpayer.tax_number)


@operator_required
def invoices(request: HttpRequest, tax_number: str) -> HttpResponse:
    taxpayer = selectors.access_taxpayer(tax_number)
    services.transactions_advance(at=now())
    return render(
        request,
        "nav/invoices.html",
        {"taxpayer": taxpayer, "reports": selectors.invoices_of(taxpayer)[:500]},
    )


@operator_required
def annulments(request: HttpRequest, tax_number: str) -> HttpResponse:
    taxpayer = selectors.access_taxpayer(tax_number)
    services.transactions_advance(at=now())
    return render(
        request,
        "nav/annulments.html",
        {"taxpayer": taxpayer, "reports": selectors.annulments_of(taxpayer)},
    )


@operator_required
def rejected(request: HttpRequest, tax_number: str) -> HttpResponse:
    taxpayer = selectors.access_taxpayer(tax_number)
    return render(
        request,
        "nav/rejected.html",
        {"taxpayer": taxpayer, "requests": selectors.rejected_of(taxpayer)},
    )


@operator_required
@require_POST
def annulment_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(Report, pk=pk, operation="ANNUL")
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        messages.error(request, "Ismeretlen döntés.")
    else:
        try:
            services.annulment_decide(report=report, approve=decision == "approve")
        except services.PortalError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                "Technikai érvénytelenítés jóváhagyva."
                if decision == "approve"
                else "Technikai érvénytelenítés elutasítva.",
            )
    return redirect("nav:annulments", tax_number=report.supplier_tax_number)


@operator_required
@require_http_methods(["GET", "POST"])
def operator(request: HttpRequest) -> HttpResponse:
    form = NavFaultForm(request.POST or None)
    if request.method == "POST" and request.POST.get("clear"):
        faults.fault_rule_delete(service=FAULT_SERVICE)
        messages.success(request, "NAV hibainjektálási szabály törölve.")
        return redirect("nav:operator")
    if request.method == "POST" and form.is_valid():
        values = form.rule_values()
        minutes = form.cleaned_data.get("maintenance_minutes") or 0
        at = now()
        values["maintenance_from"] = at if minutes else None
        values["maintenance_until"] = at + dt.timedelta(minutes=minutes) if minutes else None
        faults.fault_rule_set(service=FAULT_SERVICE, **values)
        messages.success(request, "NAV hibainjektálási szabály mentve.")
        return redirect("nav:operator")
    return render(
        request,
        "nav/operator.html",
        {"form": form, "rule": FaultRule.objects.filter(service=FAULT_SERVICE).first()},
        status=400 if form.errors else 200,
    )
