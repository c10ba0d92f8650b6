"""URLs of the outbox page (namespace `eeszt_outbox`)."""

from django.urls import path

from zomanc.eeszt.outbox import views

app_name = "eeszt_outbox"
urlpatterns = [
    path("", views.outbox_list, name="list"),
    path("<int:item_id>/ujrakuldes/", views.outbox_retry, name="retry"),
]
