"""A URL configuration for the template-tag tests: a namespace with an argument-taking and
an argument-less pattern."""

from django.http import HttpResponse
from django.urls import include, path


def _ok(request: object, appointment_id: int = 0) -> HttpResponse:
    return HttpResponse("ok")


fake_patterns = (
    [
        path("open/<int:appointment_id>/", _ok, name="with_arg"),
        path("open/", _ok, name="without_arg"),
    ],
    "fake",
)
urlpatterns = [path("fake/", include(fake_patterns))]
