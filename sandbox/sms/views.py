"""The page "Elküldött SMS-ek": every message the gateway accepted (text, segments, encoding,
delivery state), the accounts with their API keys, and the failure switch. Open without a
login like the mail catcher's pages: the sandbox listens on 127.0.0.1 and its data is made
up; the person trying the demo reads what the patient's phone would show."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from sandbox.sms import services
from sandbox.sms.models import SmsAccount, SmsMessage

PAGE_SIZE = 100


class FaultForm(forms.Form):
    fail_next = forms.IntegerField(
        label="A következő N kérés 503-at kap", min_value=0, max_value=1000, initial=0
    )
    fail_share = forms.IntegerField(
        label="A kérések ennyi százaléka 503-at kap", min_value=0, max_value=100, initial=0
    )
    lose_answer_next = forms.IntegerField(
        label="A következő N üzenetet átveszi, de a válasz elvész (504)",
        min_value=0,
        max_value=1000,
        initial=0,
    )


class AccountForm(forms.Form):
    name = forms.CharField(label="Rendelő neve", max_length=200)


def _page(
    request: HttpRequest, fault_form: FaultForm, account_form: AccountForm, status: int = 200
) -> HttpResponse:
    services.messages_settle()
    faults = services.faults_get()
    page = Paginator(
        SmsMessage.objects.select_related("account").order_by("-accepted_at", "-pk"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "sms/list.html",
        {
            "page": page,
            "accounts": SmsAccount.objects.all(),
            "faults": faults,
            "fail_percent": round(faults.fail_share * 100),
            "fault_form": fault_form,
            "account_form": account_form,
            "failing_prefix": services.FAILING_PREFIX,
            "api_url": request.build_absolute_uri("/sms/api/messages"),
        },
        status=status,
    )


@require_GET
def message_list(request: HttpRequest) -> HttpResponse:
    faults = services.faults_get()
    initial = {
        "fail_next": faults.fail_next,
        "fail_share": round(faults.fail_share * 100),
        "lose_answer_next": faults.lose_answer_next,
    }
    return _page(request, FaultForm(initial=initial), AccountForm())


@require_POST
def faults_set(request: HttpRequest) -> HttpResponse:
    form = FaultForm(request.POST)
    if not form.is_valid():
        return _page(request, form, AccountForm(), status=400)
    services.faults_set(
        fail_next=form.cleaned_data["fail_next"],
        fail_share=form.cleaned_data["fail_share"] / 100,
        lose_answer_next=form.cleaned_data["lose_answer_next"],
    )
    messages.success(request, "Hibakapcsoló beállítva.")
    return redirect("sms:list")


@require_POST
def account_create(request: HttpRequest) -> HttpResponse:
    form = AccountForm(request.POST)
    if not form.is_valid():
        return _page(request, FaultForm(), form, status=400)
    account = services.account_create(name=form.cleaned_data["name"])
    messages.success(request, f"Új fiók: {account.name}.")
    return redirect("sms:list")


@require_POST
def messages_clear(request: HttpRequest) -> HttpResponse:
    count = services.messages_clear()
    messages.success(request, f"{count} SMS törölve.")
    return redirect("sms:list")
