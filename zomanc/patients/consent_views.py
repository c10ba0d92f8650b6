"""The "Üzenetküldés" card's actions (POST only): record and withdraw consent, set the
language. A refused form re-renders the patient page with its errors; nothing is saved."""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zomanc.core.forms import form_submit
from zomanc.core.http import MemberRequest, member_required
from zomanc.patients.consent_forms import ConsentOptInForm, ConsentOptOutForm, MessageLanguageForm
from zomanc.patients.consent_services import (
    patient_channel_opt_in,
    patient_channel_opt_out,
    patient_message_language_set,
)
from zomanc.patients.selectors import access_patient
from zomanc.patients.views import patient_detail_render
from zomanc.practices.permissions import Perm


def _done(request: MemberRequest, patient_id: int, form: forms.Form, ok: bool) -> HttpResponse:
    if ok:
        return redirect("patients:detail", patient_id)
    patient = access_patient(request.member, patient_id)
    return patient_detail_render(request, patient, {type(form).__name__: form}, status=400)


@require_POST
@member_required(Perm.CONSENT_EDIT)
def consent_opt_in(request: MemberRequest, patient_id: int) -> HttpResponse:
    patient = access_patient(request.member, patient_id)
    form = ConsentOptInForm(request.POST)
    entry = form_submit(
        form,
        lambda data: patient_channel_opt_in(
            patient=patient,
            channel=data["channel"],
            method=data["method"],
            note=data["note"],
            actor=request.member,
            request=request,
        ),
    )
    if entry is not None:
        messages.success(
            request,
            _("Hozzájárulás rögzítve: %(channel)s.") % {"channel": entry.get_channel_display()},
        )
    return _done(request, patient.pk, form, entry is not None)


@require_POST
@member_required(Perm.CONSENT_EDIT)
def consent_opt_out(request: MemberRequest, patient_id: int) -> HttpResponse:
    patient = access_patient(request.member, patient_id)
    form = ConsentOptOutForm(request.POST)
    done = form_submit(
        form,
        lambda data: (
            patient_channel_opt_out(
                patient=patient,
                channel=data["channel"],
                how=data["method"],
                note=data["note"],
                actor=request.member,
                request=request,
            ),
        ),
    )
    if done is not None:
        if done[0] is None:
            messages.info(request, _("Ehhez a csatornához nem volt érvényes hozzájárulás."))
        else:
            messages.success(
                request,
                _("Hozzájárulás visszavonva: %(channel)s.")
                % {"channel": done[0].get_channel_display()},
            )
    return _done(request, patient.pk, form, done is not None)


@require_POST
@member_required(Perm.CONSENT_EDIT)
def consent_language(request: MemberRequest, patient_id: int) -> HttpResponse:
    patient = access_patient(request.member, patient_id)
    form = MessageLanguageForm(request.POST)
    done = form_submit(
        form,
        lambda data: (
            patient_message_language_set(
                patient=patient, language=data["language"], actor=request.member, request=request
            ),
        ),
    )
    if done is not None and done[0] is not None:
        messages.success(
            request,
            _("Az üzenetek nyelve: %(language)s.") % {"language": done[0].get_language_display()},
        )
    return _done(request, patient.pk, form, done is not None)
