from django.contrib import admin
from django.urls import include, path

from zomanc.api.api import api
from zomanc.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("zomanc.accounts.urls")),
    path("patients/", include("zomanc.patients.urls")),
    path("api/", api.urls),
    path("api-kulcsok/", include("zomanc.api.urls")),
    path("naptar/", include("zomanc.scheduling.urls")),
    path("karton/", include("zomanc.clinical.urls")),
    path("tervek/", include("zomanc.plans.urls")),
    path("kodok/bno/", include("zomanc.codes.bno_urls")),
    path("kodok/", include("zomanc.codes.urls")),
    path("beallitasok/", include("zomanc.practices.urls")),
    path("naplo/", include("zomanc.audit.urls")),
    path("eeszt/bekuldesek/", include("zomanc.eeszt.outbox.urls")),
    path("eeszt/", include("zomanc.eeszt.urls")),
    path("szamlak/", include("zomanc.billing.urls")),
    path("visszahivasok/", include("zomanc.recall.urls")),
    path("uzenetek/", include("zomanc.messaging.urls")),
    path("emlekeztetok/", include("zomanc.reminders.urls")),
    path("s/", include("zomanc.reminders.short_urls")),  # the reminder SMS's short link
    path("", include("zomanc.core.urls")),
]
