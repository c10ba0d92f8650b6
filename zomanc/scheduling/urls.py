from django.urls import path
from django.views.generic import RedirectView

from zomanc.scheduling import views

app_name = "scheduling"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="scheduling:day"), name="calendar"),
    path("nap/", views.day_view, name="day"),
    path("het/", views.week_view, name="week"),
    path("idopont/uj/", views.appointment_create, name="appointment_create"),
    path("idopont/paciensek/", views.patient_picker, name="patient_picker"),
    path("idopont/<int:appointment_id>/", views.appointment_edit, name="appointment_edit"),
    path(
        "idopont/<int:appointment_id>/athelyezes/",
        views.appointment_move,
        name="appointment_move",
    ),
    path(
        "idopont/<int:appointment_id>/hossz/",
        views.appointment_resize,
        name="appointment_resize",
    ),
    path(
        "idopont/<int:appointment_id>/lemondas/",
        views.appointment_cancel,
        name="appointment_cancel",
    ),
    path(
        "idopont/<int:appointment_id>/megerkezett/",
        views.appointment_arrived,
        name="appointment_arrived",
    ),
    path("szekek/", views.chair_list, name="chairs"),
    path("szekek/<int:chair_id>/", views.chair_edit, name="chair_edit"),
]
