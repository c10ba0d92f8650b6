from django.urls import path

from zomanc.patients import consent_views, views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("uj/", views.patient_create_view, name="create"),
    path("<int:patient_id>/", views.patient_detail, name="detail"),
    path("<int:patient_id>/szerkesztes/", views.patient_edit, name="edit"),
    path(
        "<int:patient_id>/uzenetek/hozzajarulas/",
        consent_views.consent_opt_in,
        name="consent_opt_in",
    ),
    path(
        "<int:patient_id>/uzenetek/visszavonas/",
        consent_views.consent_opt_out,
        name="consent_opt_out",
    ),
    path(
        "<int:patient_id>/uzenetek/nyelv/", consent_views.consent_language, name="consent_language"
    ),
]
