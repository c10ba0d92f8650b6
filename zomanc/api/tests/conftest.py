import pytest
from django.test import Client

from zomanc.api.services import api_token_create
from zomanc.conftest import Personas
from zomanc.practices.models import StaffMember


class ApiClient:
    """A test client that sends a member's API token on every request."""

    def __init__(self, member: StaffMember | None) -> None:
        self.client = Client()
        self.headers = {}
        if member is not None:
            secret = api_token_create(member=member, name="teszt").secret
            self.headers = {"Authorization": f"Bearer {secret}"}

    def get(self, url: str, **params: str | int):
        return self.client.get(url, params, headers=self.headers)

    def post(self, url: str, body: object):
        return self.client.post(url, body, content_type="application/json", headers=self.headers)

    def patch(self, url: str, body: object):
        return self.client.patch(url, body, content_type="application/json", headers=self.headers)

    def raw(self, method: str, url: str, data: bytes, content_type: str = "application/json"):
        return self.client.generic(
            method, url, data, content_type=content_type, headers=self.headers
        )


@pytest.fixture
def api_as(personas: Personas):
    def make(member: StaffMember | None) -> ApiClient:
        return ApiClient(member)

    return make
