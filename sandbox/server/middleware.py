"""Keeps each listener to its own job: SOAP only over mutual TLS, the NAV API only on its
own TLS port, the rest only over HTTP."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound

LISTENER_ENVIRON = "sandbox.listener"  # "https" | "http" | "nav", set by sandbox.server


def listener_guard(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        listener = request.META.get(LISTENER_ENVIRON)
        if listener is not None:
            soap = request.path.startswith("/soap/")
            # The NAV API has its own listener (server-authenticated TLS) and nothing else.
            nav = request.path.startswith("/invoiceService/")
            if nav != (listener == "nav") or soap != (listener == "https"):
                return HttpResponseNotFound("Ezen a porton nem érhető el.".encode())
        return get_response(request)

    return middleware
