"""The product's URLs plus `/bench/bare`: the baseline page of the load benchmark — a Django
view behind the same middleware, in the same server, that does no work of its own."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/bare", bare),
    path("", include("zomanc.urls")),
]
