"""The form under the tooth chart that plans a treatment for the teeth picked on it
(plans/clinical_views.py); the services validate again (plan_item_add's refusals)."""

import re
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zomanc.codes.catalogue_selectors import treatment_catalogue
from zomanc.codes.models import TreatmentItem
from zomanc.patients.models import Patient
from zomanc.plans.models import PlanOption, PlanPhase, PlanStatus

MAX_TEETH = 32


def draft_targets(patient: Patient) -> list[tuple[str, str]]:
    """(value, label) of every phase and option of the patient's draft plans, in the order
    a dentist reads them: "Terv (v2) – Konzerváló kezelés – A: Korona". Two queries."""
    phases = list(
        PlanPhase.objects.filter(
            practice_id=patient.practice_id,
            plan__patient_id=patient.pk,
            plan__status=PlanStatus.DRAFT,
        )
        .select_related("plan")
        .order_by("plan__created_at", "plan_id", "position", "id")
    )
    options: dict[int, list[PlanOption]] = {}
    for option in PlanOption.objects.filter(phase__in=phases).order_by("label", "id"):
        options.setdefault(option.phase_id, []).append(option)
    choices = []
    for phase in phases:
        plan = f"{phase.plan.title} (v{phase.plan.version})"
        choices.append((f"phase:{phase.pk}", f"{plan} – {phase.title}"))
        for option in options.get(phase.pk, []):
            choices.append(
                (f"option:{option.pk}", f"{plan} – {phase.title} – {option.label}: {option.title}")
            )
    return choices


def teeth_parse(raw: str) -> list[int]:
    """ "16 26, 36" → [16, 26, 36]; the FDI rules are the service's (clinical.teeth)."""
    words = [w for w in re.split(r"[\s,;]+", raw.strip()) if w]
    bad = [w for w in words if not w.isdigit() or len(w) > 2]
    if bad:
        raise forms.ValidationError(
            _("Érvénytelen fogszám: %(teeth)s. FDI fogszámokat adjon meg (pl. 16 26).")
            % {"teeth": ", ".join(bad)}
        )
    if len(words) > MAX_TEETH:
        raise forms.ValidationError(_("Legfeljebb %(n)s fog jelölhető ki.") % {"n": MAX_TEETH})
    return [int(w) for w in words]


class ChartPlanForm(forms.Form):
    target = forms.ChoiceField(label=gettext_lazy("Terv és szakasz"))
    treatment = forms.ModelChoiceField(
        label=gettext_lazy("Kezelés"), queryset=TreatmentItem.objects.none()
    )
    teeth = forms.CharField(
        label=gettext_lazy("Fogak"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Kattintson a fogakra a fogtérképen, vagy írja be: 16 26 36."),
    )
    surfaces = forms.CharField(label=gettext_lazy("Felszínek"), required=False, max_length=10)
    canals = forms.IntegerField(
        label=gettext_lazy("Csatornák"), required=False, min_value=1, max_value=9
    )
    note = forms.CharField(label=gettext_lazy("Megjegyzés"), required=False, max_length=300)

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["treatment"].queryset = treatment_catalogue(patient.practice)  # type: ignore[attr-defined]
        self.fields["target"].choices = draft_targets(patient)  # type: ignore[attr-defined]
        self.fields["teeth"].widget.attrs.update({"data-chart-teeth": "1", "autocomplete": "off"})

    def clean_teeth(self) -> list[int]:
        return teeth_parse(self.cleaned_data.get("teeth") or "")

    def has_targets(self) -> bool:
        return bool(self.fields["target"].choices)  # type: ignore[attr-defined]
