"""The reminder settings page (owners: the rule, the templates per language, a preview with a
real appointment) and the patient's public pages behind the signed links (no login: the
signature is the key, and it opens one appointment only).

The links' pages act on POST only: mail scanners and link previews open every link in a
message with GET, and must not confirm or cancel anything."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.core.http import MemberRequest, member_required
from zomanc.messaging.sms import sms_accent_free
from zomanc.practices.permissions import Perm
from zomanc.reminders import links, wording
from zomanc.reminders.forms import RuleForm, SmsTemplateForm, TemplateForm
from zomanc.reminders.models import ReminderRule, ReminderTemplate
from zomanc.reminders.selectors import preview_appointment
from zomanc.reminders.services import (
    BUDAPEST,
    LinkRefused,
    reminder_link_check,
    reminder_optout,
    reminder_render,
    reminder_respond,
    reminder_rule_save,
    reminder_short_check,
    reminder_short_optout,
    reminder_short_respond,
    reminder_sms_template_save,
    reminder_sms_values,
    reminder_template_save,
)
from zomanc.reminders.sms_text import SmsSample, sms_draft_text, sms_view
from zomanc.scheduling.models import Appointment


def _templates(practice_id: int, channel: str = "email") -> dict[str, ReminderTemplate]:
    return {
        t.language: t
        for t in ReminderTemplate.objects.filter(practice_id=practice_id, channel=channel)
    }


def _sms_editor(
    language: str, form: SmsTemplateForm, appointment: Appointment | None
) -> dict[str, Any]:
    """The SMS card's context: the count of the text as it would be sent with the preview's
    appointment (the sent length is what counts: placeholders filled, the short link
    appended when the template lacks {link}), the same values for the browser's counter,
    and the preview (none for a refused draft)."""
    body = str(
        form.data.get(form.add_prefix("body"), "") if form.is_bound else form.initial["body"]
    )
    sample = None
    if appointment is not None:
        values = reminder_sms_values(appointment=appointment, reminder_id=0, language=language)
        sample = SmsSample(values=values, optout=values["link"])
    view = sms_view(sms_draft_text(body, sample))
    return {
        "values": {"values": sample.values, "optout": sample.optout} if sample else None,
        "view": view,
        "preview": view if sample is not None and not form.errors else None,
    }


def _page(
    request: MemberRequest,
    *,
    rule_form: RuleForm | None = None,
    template_form: TemplateForm | None = None,
    sms_form: SmsTemplateForm | None = None,
    language: str = "hu",
    status: int = 200,
) -> HttpResponse:
    practice_id = request.practice.pk
    rule = ReminderRule.objects.filter(practice_id=practice_id).first()
    if rule_form is None:
        rule_form = RuleForm(
            initial={
                "is_active": rule.is_active if rule else True,
                "first_hours": rule.first_hours if rule else 24,
                "second_hours": rule.second_hours if rule else None,
                "use_email": rule.use_email if rule else True,
                "use_sms": rule.use_sms if rule else False,
            }
        )
    stored = _templates(practice_id)
    if template_form is None:
        row = stored.get(language)
        template_form = TemplateForm(
            initial={
                "language": language,
                "subject": row.subject if row else wording.DEFAULT_SUBJECT[language],
                "body": row.body if row else wording.DEFAULT_BODY[language],
            }
        )
    sms_stored = _templates(practice_id, "sms")
    if sms_form is None:
        sms_row = sms_stored.get(language)
        sms_form = SmsTemplateForm(
            initial={
                "language": language,
                "body": sms_row.body if sms_row else wording.SMS_BODY[language],
            }
        )
    preview: dict[str, str] | None = None
    appointment = preview_appointment(practice_id)
    sms = _sms_editor(language, sms_form, appointment)
    if appointment is not None:
        # The previews show a real patient's name and appointment: a read of patient data.
        audit_record(
            practice=request.practice,
            actor=request.user,
            action=AuditAction.VIEW,
            obj=appointment,
            patient_id=appointment.patient_id,
            summary=_("Emlékeztető előnézete: %(patient)s") % {"patient": appointment.patient},
            request=request,
        )
    if appointment is not None and not template_form.errors:
        row = stored.get(language)
        subject, text = reminder_render(
            appointment=appointment,
            reminder_id=0,
            language=language,
            subject=(row.subject if row else "") or wording.DEFAULT_SUBJECT[language],
            body=row.body if row else wording.DEFAULT_BODY[language],
        )
        preview = {"subject": subject, "text": text, "patient": str(appointment.patient)}
    context: dict[str, Any] = {
        "section": "reminders",
        "rule": rule,
        "rule_form": rule_form,
        "template_form": template_form,
        "language": language,
        "languages": [("hu", _("magyar")), ("en", _("angol")), ("de", _("német"))],
        "stored_languages": set(stored) | set(sms_stored),
        "preview": preview,
        "preview_patient": str(appointment.patient) if appointment else "",
        "sms_form": sms_form,
        "sms": sms,
        "sms_stored": sms_stored,
    }
    return render(request, "reminders/settings.html", context, status=status)


@member_required(Perm.REMINDER_RULES_EDIT)
@require_http_methods(["GET"])
def reminder_settings(request: MemberRequest) -> HttpResponse:
    language = request.GET.get("nyelv", "hu")
    return _page(request, language=language if language in wording.PAGE else "hu")


def _apply(form: Any, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@member_required(Perm.REMINDER_RULES_EDIT)
@require_POST
def rule_save(request: MemberRequest) -> HttpResponse:
    form = RuleForm(request.POST)
    if form.is_valid():
        try:
            reminder_rule_save(
                practice=request.practice,
                actor=request.member,
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as error:
            _apply(form, error)
        else:
            messages.success(request, _("Az emlékeztető szabály elmentve."))
            return redirect("reminders:settings")
    return _page(request, rule_form=form, status=400)


@member_required(Perm.REMINDER_RULES_EDIT)
@require_POST
def template_save(request: MemberRequest) -> HttpResponse:
    form = TemplateForm(request.POST)
    language = request.POST.get("language", "hu")
    language = language if language in wording.PAGE else "hu"
    if form.is_valid():
        try:
            reminder_template_save(
                practice=request.practice,
                actor=request.member,
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as error:
            _apply(form, error)
        else:
            messages.success(request, _("Az emlékeztető sablon elmentve."))
            return redirect(reverse("reminders:settings") + f"?nyelv={language}")
    return _page(request, template_form=form, language=language, status=400)


@member_required(Perm.REMINDER_RULES_EDIT)
@require_POST
def sms_template_save(request: MemberRequest) -> HttpResponse:
    """Saves the SMS template; with action=accent_free it only returns the page with the
    accent-free variant in the field (the button's way without JavaScript; with it,
    sms-editor.js does the same in the browser), nothing saved."""
    form = SmsTemplateForm(request.POST)
    language = request.POST.get("sms-language", "hu")
    language = language if language in wording.PAGE else "hu"
    if request.POST.get("action") == "accent_free":
        data = request.POST.copy()
        data["sms-body"] = sms_accent_free(data.get("sms-body", ""))
        variant = SmsTemplateForm(data)
        variant.is_valid()
        messages.info(request, _("Az ékezet nélküli változat még nincs elmentve."))
        return _page(request, sms_form=variant, language=language)
    if form.is_valid():
        try:
            reminder_sms_template_save(
                practice=request.practice,
                actor=request.member,
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as error:
            _apply(form, error)
        else:
            messages.success(request, _("Az SMS sablon elmentve."))
            return redirect(reverse("reminders:settings") + f"?nyelv={language}#sms")
    return _page(request, sms_form=form, language=language, status=400)


# --- the patient's pages (no login) ----------------------------------------------------------


def _refused(request: HttpRequest, refused: LinkRefused) -> HttpResponse:
    words = wording.PAGE[refused.language]
    return render(
        request,
        "reminders/public.html",
        {"words": words, "lang": refused.language, "message": words[refused.key], "refused": True},
        status=400 if refused.key == "bad" else 409 if refused.key == "used" else 410,
    )


@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if request.method == "POST":
            action, language = reminder_respond(token=token, request=request)
            words = wording.PAGE[language]
            return render(
                request,
                "reminders/public.html",
                {
                    "words": words,
                    "lang": language,
                    "message": words[f"done_{action}"],
                    "done": True,
                },
            )
        _reminder, appointment, action, language = reminder_link_check(token)
    except LinkRefused as refused:
        return _refused(request, refused)
    words = wording.PAGE[language]
    start = timezone.localtime(appointment.starts_at, BUDAPEST)
    return render(
        request,
        "reminders/public.html",
        {
            "words": words,
            "lang": language,
            "question": words[f"ask_{action}"],
            "button": words[f"button_{action}"],
            "when": f"{start.strftime(wording.DATE_FORMAT[language])} {start:%H:%M}",
            "practice": appointment.practice.name,
        },
    )


@require_http_methods(["GET", "POST"])
def optout(request: HttpRequest, token: str) -> HttpResponse:
    data = links.optout_load(token)
    if data is None:
        return _refused(request, LinkRefused("bad"))
    if request.method != "POST":
        from zomanc.patients.consent_selectors import patient_message_language
        from zomanc.patients.models import Patient

        patient = Patient.objects.filter(pk=data.patient_id).first()
        if patient is None:
            return _refused(request, LinkRefused("bad"))
        language = wording.lang(patient_message_language(patient))
        words = wording.PAGE[language]
        return render(
            request,
            "reminders/public.html",
            {
                "words": words,
                "lang": language,
                "question": words[_channel_key("optout_ask", data.channel)],
                "button": words["optout_button"],
            },
        )
    try:
        withdrawn, language = reminder_optout(token=token, request=request)
    except LinkRefused as refused:
        return _refused(request, refused)
    words = wording.PAGE[language]
    key = _channel_key("optout_done" if withdrawn else "optout_already", data.channel)
    return render(
        request,
        "reminders/public.html",
        {"words": words, "lang": language, "message": words[key], "done": True},
    )


def _channel_key(key: str, channel: str) -> str:
    """The opt-out sentence for the link's channel ("optout_done" is e-mail's, "…_sms" SMS's)."""
    return f"{key}_sms" if channel == "sms" else key


SHORT_CHOICES = ("confirm", "reschedule", "cancel", "optout")


def _short_page(
    request: HttpRequest, *, token: str, language: str, status: int = 200, **context: Any
) -> HttpResponse:
    words = wording.PAGE[language]
    return render(
        request,
        "reminders/public.html",
        {"words": words, "lang": language, "short": True, **context},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def short(request: HttpRequest, token: str) -> HttpResponse:
    """The SMS's one link: GET shows the appointment and four buttons (confirm, another time,
    cancel, no more SMS), each its own POST form; POST acts through the same services as the
    e-mail's links. The opt-out is offered and honoured even when the appointment's choices
    are refused (passed, moved, cancelled): the SMS's only way out must not expire."""
    choice = request.POST.get("action", "") if request.method == "POST" else ""
    if request.method == "POST" and choice not in SHORT_CHOICES:
        return _refused(request, LinkRefused("bad"))
    try:
        if choice == "optout":
            withdrawn, language = reminder_short_optout(token=token, request=request)
            words = wording.PAGE[language]
            key = "optout_done_sms" if withdrawn else "optout_already_sms"
            return _short_page(
                request, token=token, language=language, message=words[key], done=True
            )
        if choice:
            language = reminder_short_respond(token=token, action=choice, request=request)
            words = wording.PAGE[language]
            return _short_page(
                request, token=token, language=language, message=words[f"done_{choice}"], done=True
            )
        _reminder, appointment, language = reminder_short_check(token)
    except LinkRefused as refused:
        if refused.key == "bad":
            return _refused(request, refused)
        words = wording.PAGE[refused.language]
        # The appointment's choices are gone; the way out of the SMS stays.
        return _short_page(
            request,
            token=token,
            language=refused.language,
            status=409 if refused.key == "used" else 410,
            message=words[refused.key],
            refused=True,
            choices=[("optout", words["button_optout"])],
        )
    words = wording.PAGE[language]
    start = timezone.localtime(appointment.starts_at, BUDAPEST)
    return _short_page(
        request,
        token=token,
        language=language,
        question=words["short_ask"],
        when=f"{start.strftime(wording.DATE_FORMAT[language])} {start:%H:%M}",
        practice=appointment.practice.name,
        choices=[
            (c, words[f"button_{c}_short"] if c != "optout" else words["button_optout"])
            for c in SHORT_CHOICES
        ],
    )
