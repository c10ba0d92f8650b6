"""The "API kulcsok" page: a user creates and revokes his own API tokens. The token is shown
once, in the answer to the creating POST, and never again (only its hash is kept)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zomanc.api.forms import ApiTokenForm
from zomanc.api.selectors import access_api_token, api_tokens_of
from zomanc.api.services import api_token_create, api_token_revoke
from zomanc.audit.models import AuditAction
from zomanc.audit.services import audit_record
from zomanc.core.http import MemberRequest, member_required
from zomanc.practices.permissions import Perm


def _render(
    request: MemberRequest, form: ApiTokenForm, new_secret: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": api_tokens_of(request.member), "new_secret": new_secret},
        status=status,
    )


@member_required(Perm.API_TOKEN_OWN)
def token_list(request: MemberRequest) -> HttpResponse:
    return _render(request, ApiTokenForm())


@require_POST
@member_required(Perm.API_TOKEN_OWN)
def token_create(request: MemberRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _render(request, form)
    new = api_token_create(member=request.member, name=form.cleaned_data["name"])
    audit_record(
        practice=request.practice,
        actor=request.user,
        action=AuditAction.CREATE,
        obj=new.token,
        summary=f"API kulcs létrehozása: {new.token.name} ({new.token.prefix}…)",
        request=request,
    )
    return _render(request, ApiTokenForm(), new_secret=new.secret)


@require_POST
@member_required(Perm.API_TOKEN_OWN)
def token_revoke(request: MemberRequest, token_id: int) -> HttpResponse:
    token = access_api_token(request.member, token_id)
    if token.revoked_at is None:
        api_token_revoke(token=token)
        audit_record(
            practice=request.practice,
            actor=request.user,
            action=AuditAction.UPDATE,
            obj=token,
            summary=f"API kulcs visszavonása: {token.name} ({token.prefix}…)",
            request=request,
        )
        messages.success(request, _("A kulcsot visszavontuk, többé nem használható."))
    return redirect("api_tokens:list")
