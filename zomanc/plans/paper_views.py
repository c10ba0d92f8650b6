"""Pages of the acceptance by a scanned signed paper (plans/paper.py): the upload form next
to the signature on the screen, and the scan served back exactly as stored."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zomanc.core.forms import form_submit
from zomanc.core.http import MemberRequest, member_required
from zomanc.core.uploads import EXTENSIONS
from zomanc.plans.models import PlanSignature, PlanStatus, SignatureKind
from zomanc.plans.paper import PAPER_MAX_BYTES, plan_sign_paper
from zomanc.plans.selectors import access_plan, plan_quote
from zomanc.plans.views import _viewed
from zomanc.practices.permissions import Perm


class PaperSignatureForm(forms.Form):
    signer_name = forms.CharField(label=gettext_lazy("Aláíró neve"), max_length=200)
    scan = forms.FileField(
        label=gettext_lazy("Az aláírt árajánlat (szkennelve)"),
        help_text=gettext_lazy("PDF, JPEG vagy PNG, legfeljebb 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
        error_messages={"required": gettext_lazy("Válassza ki az aláírt papír szkennelt fájlját.")},
    )

    def clean_scan(self) -> tuple[bytes, str]:
        """The bytes and the name; the kind is sniffed by the service. A file over the limit
        is refused here before it is read into memory."""
        upload = self.cleaned_data["scan"]
        if upload.size > PAPER_MAX_BYTES:
            raise forms.ValidationError(
                _("A fájl túl nagy; legfeljebb %(max)s MB lehet.")
                % {"max": PAPER_MAX_BYTES // 1024 // 1024}
            )
        return upload.read(), str(upload.name or "")


@member_required(Perm.PLAN_DECIDE)
def plan_paper_view(request: MemberRequest, plan_id: int) -> HttpResponse:
    """Upload the scan of the quote the patient signed on paper: the plan is accepted."""
    plan = access_plan(request.member, plan_id)
    if plan.status != PlanStatus.PRESENTED:
        messages.error(request, _("Csak kiadott árajánlat fogadható el."))
        return redirect("plans:detail", plan.pk)
    form = PaperSignatureForm(
        request.POST or None,
        request.FILES or None,
        initial={"signer_name": plan.patient.full_name},
    )
    if form_submit(
        form,
        lambda data: plan_sign_paper(
            plan=plan,
            actor=request.member,
            scan=data["scan"][0],
            file_name=data["scan"][1],
            signer_name=data["signer_name"],
            request=request,
        ),
    ):
        messages.success(request, _("Az aláírt papír feltöltve, a terv elfogadva."))
        return redirect("plans:detail", plan.pk)
    plan = access_plan(request.member, plan_id)
    _viewed(request, plan, plan.patient, "Árajánlat megnyitása aláírt papír feltöltésére")
    return render(
        request,
        "plans/plan_paper.html",
        {"plan": plan, "patient": plan.patient, "quote": plan_quote(plan), "form": form},
    )


@member_required(Perm.PLAN_VIEW)
def signed_paper(request: MemberRequest, plan_id: int) -> HttpResponse:
    """The uploaded scan, byte for byte as stored, with the type sniffed at upload."""
    plan = access_plan(request.member, plan_id)
    signature = PlanSignature.objects.filter(plan=plan, kind=SignatureKind.PAPER).first()
    if signature is None:
        raise Http404
    _viewed(request, plan, plan.patient, "Aláírt papír megtekintése")
    response = HttpResponse(bytes(signature.paper), content_type=signature.paper_type)
    extension = EXTENSIONS.get(signature.paper_type, "bin")
    response["Content-Disposition"] = (
        f'inline; filename="alairt-papir-{plan.pk}-v{signature.version}.{extension}"'
    )
    return response
