"""URLs of the sandbox. SOAP endpoints answer only on the HTTPS (mutual TLS) listener;
the portal, the public reference data and the admin JSON only on the HTTP listener
(enforced by sandbox.server.middleware.listener_guard)."""

from django.urls import include, path

urlpatterns = [
    path("", include("sandbox.soap.urls")),
    path("", include("sandbox.refdata.urls")),
    path("", include("sandbox.faults.urls")),
    path("", include("sandbox.portal.urls")),
    path("", include("sandbox.nav.urls")),
    path("", include("sandbox.mail.urls")),
    path("", include("sandbox.sms.urls")),
]
