from django.urls import path

from zomanc.patients import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("uj/", views.patient_create_view, name="create"),
    path("<int:patient_id>/", views.patient_detail, name="detail"),
    path("<int:patient_id>/szerkesztes/", views.patient_edit, name="edit"),
]
