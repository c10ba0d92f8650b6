"""Reads of the NAV portal pages."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.http import Http404

from sandbox.nav.models import ApiRequest, Report, Taxpayer, TechnicalUser


def taxpayers_list() -> QuerySet[Taxpayer]:
    return Taxpayer.objects.annotate(
        user_count=Count("users", distinct=True),
        report_count=Count("transactions__reports", distinct=True),
    ).order_by("tax_number")


def access_taxpayer(tax_number: str) -> Taxpayer:
    found = Taxpayer.objects.filter(tax_number=tax_number).first()
    if found is None:
        raise Http404("Nincs ilyen adózó.")
    return found


def users_of(taxpayer: Taxpayer) -> QuerySet[TechnicalUser]:
    return TechnicalUser.objects.filter(taxpayer=taxpayer).order_by("created_at", "pk")


def invoices_of(taxpayer: Taxpayer) -> QuerySet[Report]:
    return (
        Report.objects.filter(transaction__taxpayer=taxpayer)
        .exclude(operation="ANNUL")
        .select_related("transaction")
        .order_by("-transaction__received_at", "index")
    )


def annulments_of(taxpayer: Taxpayer) -> QuerySet[Report]:
    return (
        Report.objects.filter(transaction__taxpayer=taxpayer, operation="ANNUL")
        .select_related("transaction")
        .order_by("-transaction__received_at", "index")
    )


def rejected_of(taxpayer: Taxpayer) -> QuerySet[ApiRequest]:
    return ApiRequest.objects.filter(tax_number=taxpayer.tax_number, accepted=False).order_by(
        "-at"
    )[:200]  # type: ignore[return-value]
