"""Forms of the chart. Choices are always scoped to the member's practice, so another
practice's doctor, company or treatment id is simply "not a valid choice"."""

from collections.abc import Iterator
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zomanc.clinical.models import ToothFinding, Visit, VisitProcedure
from zomanc.clinical.services import SECTION_MAX_LENGTH
from zomanc.clinical.teeth import ToothRuleError, surfaces_normalize, tooth_validate
from zomanc.codes.catalogue_selectors import treatment_variant_for
from zomanc.codes.models import TreatmentItem, VariantBasis
from zomanc.core.prebuilt import prebuilt
from zomanc.core.widgets import PlainSelect
from zomanc.practices.models import Company, OrgUnit, Practice, StaffMember

_TEXTAREA = forms.Textarea(attrs={"rows": 2})


class _ReadOnceChoiceIterator(ModelChoiceIterator):
    """Iterates the rows the form read (Django's uses `.iterator()`, a query each time): rows
    the form has already read for something else are not read again."""

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in cast("_ReadOnceChoiceField", self.field).rows():
            yield self.choice(obj)


class _ReadOnceChoiceField(forms.ModelChoiceField):
    """A choice field whose options the form may hand over already read (`choice_rows`, a
    prebuilt read of the same rows as its queryset); the queryset still validates a post."""

    iterator = _ReadOnceChoiceIterator
    choice_rows: list[Any] | None = None

    def rows(self) -> Any:
        return self.choice_rows if self.choice_rows is not None else self.queryset


# The entry box's choice lists, on every patient page: prebuilt (zomanc/core/prebuilt.py,
# issue 18) — each the same rows, in the same order, as the field's queryset below.
@prebuilt
def _active_doctors(practice_id: int) -> QuerySet[StaffMember]:
    return _doctors(practice_id)


@prebuilt
def _active_companies(practice_id: int) -> QuerySet[Company]:
    return _companies(practice_id)


@prebuilt
def _active_units(practice_id: int) -> QuerySet[OrgUnit]:
    return _units(practice_id)


def _doctors(practice_id: int) -> QuerySet[StaffMember]:
    return (
        StaffMember.objects.filter(practice_id=practice_id, is_active=True)
        .exclude(stamp_number="")
        .order_by("display_name")
    )


def _companies(practice_id: int) -> QuerySet[Company]:
    return Company.objects.filter(practice_id=practice_id, is_active=True).order_by("name")


def _units(practice_id: int) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(
        practice_id=practice_id, is_active=True, company__is_active=True
    ).order_by("name")


class VisitOpenForm(forms.Form):
    # PlainSelect: the same markup without a template render per option (the patient page).
    doctor = _ReadOnceChoiceField(
        queryset=StaffMember.objects.none(), label=_("Felelős orvos"), widget=PlainSelect
    )
    # Their choice lists are also what the preselection looks at (one read each, issue 18).
    company = _ReadOnceChoiceField(
        queryset=Company.objects.none(), label=_("Cég"), widget=PlainSelect
    )
    org_unit = _ReadOnceChoiceField(
        queryset=OrgUnit.objects.none(), label=_("Szervezeti egység"), widget=PlainSelect
    )

    def __init__(self, *args: Any, practice: Practice, member: StaffMember, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if member.stamp_number:
            self.fields["doctor"].initial = member.pk
        if self.is_bound:
            # Validated: the querysets (a posted id must be one of them).
            self.fields["doctor"].queryset = _doctors(practice.pk)  # type: ignore[attr-defined]
            self.fields["company"].queryset = _companies(practice.pk)  # type: ignore[attr-defined]
            self.fields["org_unit"].queryset = _units(practice.pk)  # type: ignore[attr-defined]
        else:
            # Shown, not validated: the options as prebuilt reads.
            self.fields["doctor"].choice_rows = _active_doctors(practice_id=practice.pk)  # type: ignore[attr-defined]
            self.fields["company"].choice_rows = _active_companies(practice_id=practice.pk)  # type: ignore[attr-defined]
            self.fields["org_unit"].choice_rows = _active_units(practice_id=practice.pk)  # type: ignore[attr-defined]
            self._preselect(member)

    def _preselect(self, member: StaffMember) -> None:
        """The only active company and org unit, else the ones of the last visit this member
        opened in the practice (if still active): one choice fewer for nearly every visit.
        Reads the choice lists themselves, which the select boxes then print unread again."""
        units = self.fields["org_unit"].rows()  # type: ignore[attr-defined]
        companies = self.fields["company"].rows()  # type: ignore[attr-defined]
        active_units = [(unit.pk, unit.company_id) for unit in units]
        active_companies = {company for _unit, company in active_units} | {c.pk for c in companies}
        found = _last_opened(practice_id=member.practice_id, user_id=member.user_id)
        last = found[0] if found else None
        company = None
        if len(active_companies) == 1:
            company = next(iter(active_companies))
        elif last is not None and last[0] in active_companies:
            company = last[0]
        unit_choices = [u for u, c in active_units if company is None or c == company]
        unit = None
        if len(unit_choices) == 1:
            unit = unit_choices[0]
        elif last is not None and last[1] in unit_choices:
            unit = last[1]
        if unit is not None and company is None:
            company = dict(active_units)[unit]
        self.fields["company"].initial = company
        self.fields["org_unit"].initial = unit


# On every patient page with the entry box: prebuilt (zomanc/core/prebuilt.py, issue 18).
@prebuilt
def _last_opened(practice_id: int, user_id: int) -> QuerySet[Any]:
    """(company, org unit) of the last visit this user opened in the practice."""
    return (
        Visit.objects.filter(practice_id=practice_id, opened_by_id=user_id)
        .order_by("-created_at", "-pk")
        .values_list("company_id", "org_unit_id")[:1]
    )


class NotesForm(forms.Form):
    anamnesis = forms.CharField(
        label=_("Anamnézis"), required=False, max_length=SECTION_MAX_LENGTH, widget=_TEXTAREA
    )
    status_text = forms.CharField(
        label=_("Státusz"), required=False, max_length=SECTION_MAX_LENGTH, widget=_TEXTAREA
    )
    therapy = forms.CharField(
        label=_("Terápia / beavatkozás"),
        required=False,
        max_length=SECTION_MAX_LENGTH,
        widget=_TEXTAREA,
    )
    advice = forms.CharField(
        label=_("Javaslat"), required=False, max_length=SECTION_MAX_LENGTH, widget=_TEXTAREA
    )


class DiagnosisForm(forms.Form):
    code = forms.CharField(
        label=_("BNO-kód"),
        max_length=10,
        widget=forms.TextInput(attrs={"placeholder": "K0210", "autocomplete": "off"}),
    )
    is_primary = forms.BooleanField(label=_("Fő diagnózis"), required=False)


# The value of a family's option in the procedure dropdown: "family:Kompozit tömés".
FAMILY_CHOICE_PREFIX = "family:"


class _TreatmentChoiceIterator(ModelChoiceIterator):
    """The catalogue's items, each family by surfaces offered once more as a whole just
    before its first variant ("Kompozit tömés — a felszínek száma szerint"): choosing it
    lets the surfaces entered pick the variant."""

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        seen: set[str] = set()
        for item in self.queryset.iterator():
            family = item.family if item.variant_basis == VariantBasis.SURFACES else ""
            if family and family not in seen:
                seen.add(family)
                yield (
                    FAMILY_CHOICE_PREFIX + family,
                    gettext("%(family)s — a felszínek száma szerint") % {"family": family},
                )
            yield self.choice(item)


class TreatmentChoiceField(forms.ModelChoiceField):
    """A catalogue item by id, or a family by surfaces by name (its first variant stands
    for it until ProcedureForm.clean picks the variant)."""

    iterator = _TreatmentChoiceIterator

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith(FAMILY_CHOICE_PREFIX):
            family = value.removeprefix(FAMILY_CHOICE_PREFIX)
            item = (
                self.queryset.filter(family=family, variant_basis=VariantBasis.SURFACES)  # type: ignore[union-attr]
                .order_by("variant_count", "id")
                .first()
            )
            if item is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice"
                )
            return item
        return super().to_python(value)


class ProcedureForm(forms.Form):
    treatment = TreatmentChoiceField(
        queryset=TreatmentItem.objects.none(), label=_("Kezelés"), widget=PlainSelect
    )
    tooth = forms.IntegerField(label=_("Fog (FDI)"), required=False, min_value=0, max_value=99)
    surfaces = forms.CharField(label=_("Felszínek"), required=False, max_length=8)
    quantity = forms.IntegerField(label=_("Mennyiség"), initial=1, min_value=1, max_value=99)

    def __init__(self, *args: Any, practice: Practice, **kwargs: Any):
        super().__init__(*args, **kwargs)
        items = TreatmentItem.objects.filter(practice=practice, is_active=True).order_by("name")
        self.fields["treatment"].queryset = items  # type: ignore[attr-defined]
        # The entry box draws the procedure row without visible labels (placeholders and
        # aria-labels); the select needs its name too (axe: select-name).
        self.fields["treatment"].widget.attrs["aria-label"] = self.fields["treatment"].label

    def clean(self) -> dict[str, Any]:
        """A family chosen as a whole: the variant for the surfaces entered (the same
        codes.catalogue_selectors.treatment_variant_for as the command line). A variant
        chosen by itself stays, and procedure_add refuses it for another number of surfaces."""
        cleaned = super().clean() or {}
        raw = str(self.data.get(self.add_prefix("treatment"), ""))
        item = cleaned.get("treatment")
        tooth = cleaned.get("tooth")
        if item is None or tooth is None or not raw.startswith(FAMILY_CHOICE_PREFIX):
            return cleaned
        try:
            surfaces = surfaces_normalize(tooth_validate(tooth), cleaned.get("surfaces") or "")
        except ToothRuleError:
            return cleaned  # procedure_add names the bad tooth or surface
        try:
            cleaned["treatment"] = treatment_variant_for(item=item, surfaces=surfaces)
        except ValidationError as error:
            self.add_error("surfaces", error.messages)
        return cleaned


class CommandForm(forms.Form):
    line = forms.CharField(
        label=_("Parancssor"),
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "placeholder": _("pl. 36 MOD töm · 46 ext · 18 car · 36 K0210"),
                "autocomplete": "off",
                "autofocus": True,
                "spellcheck": "false",
            }
        ),
    )


class CorrectionForm(NotesForm):
    field_order = ["reason", "anamnesis", "status_text", "therapy", "advice"]
    reason = forms.CharField(
        label=_("A javítás indoka"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    diagnoses = forms.CharField(
        label=_("Diagnózisok (soronként egy BNO-kód; az első a fő diagnózis)"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    remove_procedures = forms.ModelMultipleChoiceField(
        queryset=VisitProcedure.objects.none(),
        required=False,
        label=_("Törlendő beavatkozások"),
        widget=forms.CheckboxSelectMultiple,
    )
    remove_findings = forms.ModelMultipleChoiceField(
        queryset=ToothFinding.objects.none(),
        required=False,
        label=_("Törlendő fogstátuszok"),
        widget=forms.CheckboxSelectMultiple,
    )
    commands = forms.CharField(
        label=_("Új beavatkozások / fogstátuszok (soronként egy parancs, pl. 36 MOD töm)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, visit: Visit, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["remove_procedures"].queryset = visit.procedures.order_by("id")  # type: ignore[attr-defined]
        self.fields["remove_findings"].queryset = visit.findings.filter(  # type: ignore[attr-defined]
            procedure__isnull=True
        ).order_by("id")
        if not self.is_bound:
            for name in ("anamnesis", "status_text", "therapy", "advice"):
                self.fields[name].initial = getattr(visit, name)
            self.fields["diagnoses"].initial = "\n".join(
                d.code for d in visit.diagnoses.order_by("-is_primary", "id")
            )

    def diagnosis_list(self) -> list[tuple[str, bool]]:
        lines = [line.strip() for line in self.cleaned_data["diagnoses"].splitlines()]
        codes = [line.split()[0] for line in lines if line]
        return [(code, index == 0) for index, code in enumerate(codes)]
