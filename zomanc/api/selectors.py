from django.db.models import QuerySet
from django.http import Http404

from zomanc.api.models import ApiToken
from zomanc.practices.models import StaffMember


def api_tokens_of(member: StaffMember) -> QuerySet[ApiToken]:
    """A member's own tokens: nobody sees or revokes someone else's key."""
    return ApiToken.objects.filter(practice_id=member.practice_id, member=member).order_by(
        "-created_at", "-id"
    )


def access_api_token(member: StaffMember, token_id: int) -> ApiToken:
    token = api_tokens_of(member).filter(pk=token_id).first()
    if token is None:
        raise Http404
    return token
