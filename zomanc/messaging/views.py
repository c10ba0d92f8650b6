"""The practice's e-mail and SMS settings page (owners) with the e-mail test send."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from zomanc.core.http import MemberRequest, member_required
from zomanc.messaging.forms import MailSettingsForm, MailTestForm, SmsSettingsForm
from zomanc.messaging.models import MailSettings, SmsSettings
from zomanc.messaging.services import mail_settings_save, mail_settings_test
from zomanc.messaging.sms_outbox import sms_settings_save
from zomanc.practices.permissions import Perm

FIELDS = (
    "host",
    "port",
    "security",
    "username",
    "from_email",
    "from_name",
    "reply_to",
    "rate_per_minute",
)


def _page(
    request: MemberRequest,
    row: MailSettings | None,
    form: MailSettingsForm,
    test_form: MailTestForm | None = None,
    status: int = 200,
    sms_form: SmsSettingsForm | None = None,
) -> HttpResponse:
    sms_row = SmsSettings.objects.filter(practice_id=request.practice.pk).first()
    if sms_form is None:
        initial = (
            {
                "url": sms_row.url,
                "sender_name": sms_row.sender_name,
                "rate_per_minute": sms_row.rate_per_minute,
            }
            if sms_row
            else None
        )
        sms_form = SmsSettingsForm(initial=initial)
    context: dict[str, Any] = {
        "section": "email",
        "row": row,
        "form": form,
        "test_form": test_form or MailTestForm(initial={"to": request.user.email}),
        "sms_row": sms_row,
        "sms_form": sms_form,
    }
    return render(request, "messaging/settings.html", context, status=status)


@member_required(Perm.SETTINGS_EDIT)
@require_http_methods(["GET", "POST"])
def mail_settings(request: MemberRequest) -> HttpResponse:
    row = MailSettings.objects.filter(practice_id=request.practice.pk).first()
    if request.method != "POST":
        initial = {name: getattr(row, name) for name in FIELDS} if row else {}
        return _page(request, row, MailSettingsForm(initial=initial or None))
    form = MailSettingsForm(request.POST)
    if form.is_valid():
        try:
            mail_settings_save(practice=request.practice, actor=request.member, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Az e-mail beállítások elmentve; küldjön próba levelet."))
            return redirect("messaging:settings")
    return _page(request, row, form, status=400)


@member_required(Perm.SETTINGS_EDIT)
@require_POST
def mail_test(request: MemberRequest) -> HttpResponse:
    row = MailSettings.objects.filter(practice_id=request.practice.pk).first()
    test_form = MailTestForm(request.POST)
    if not test_form.is_valid():
        initial = {name: getattr(row, name) for name in FIELDS} if row else {}
        return _page(request, row, MailSettingsForm(initial=initial or None), test_form, 400)
    result = mail_settings_test(
        practice=request.practice, to=test_form.cleaned_data["to"], actor=request.member
    )
    (messages.success if result.ok else messages.error)(request, result.message)
    return redirect("messaging:settings")


@member_required(Perm.SETTINGS_EDIT)
@require_POST
def sms_settings(request: MemberRequest) -> HttpResponse:
    row = MailSettings.objects.filter(practice_id=request.practice.pk).first()
    form = SmsSettingsForm(request.POST)
    if form.is_valid():
        try:
            sms_settings_save(practice=request.practice, actor=request.member, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Az SMS-beállítások elmentve."))
            return redirect("messaging:settings")
    initial = {name: getattr(row, name) for name in FIELDS} if row else {}
    return _page(request, row, MailSettingsForm(initial=initial or None), status=400, sms_form=form)
