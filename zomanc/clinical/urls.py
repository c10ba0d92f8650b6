from django.urls import path

from zomanc.clinical import tooth_views, views

app_name = "clinical"
urlpatterns = [
    path("paciens/<int:patient_id>/aktivitas/", views.patient_activity, name="patient_activity"),
    path(
        "paciens/<int:patient_id>/ellatasok/",
        views.patient_visit_history,
        name="patient_visit_history",
    ),
    path("paciens/<int:patient_id>/fog/", tooth_views.tooth_history_view, name="tooth_history"),
    path("paciens/<int:patient_id>/megnyitas/", views.visit_open_view, name="visit_open"),
    path(
        "idopont/<int:appointment_id>/megnyitas/",
        views.visit_open_from_appointment,
        name="visit_open_from_appointment",
    ),
    path("ellatas/<int:visit_id>/", views.visit_detail, name="visit_detail"),
    path("ellatas/<int:visit_id>/parancs/", views.visit_command, name="visit_command"),
    path("ellatas/<int:visit_id>/szoveg/", views.visit_notes, name="visit_notes"),
    path(
        "ellatas/<int:visit_id>/szoveg/automentes/",
        views.visit_notes_autosave,
        name="visit_notes_autosave",
    ),
    path("ellatas/<int:visit_id>/diagnozis/", views.diagnosis_add_view, name="diagnosis_add"),
    path(
        "ellatas/<int:visit_id>/diagnozis/<int:diagnosis_id>/torles/",
        views.diagnosis_delete,
        name="diagnosis_delete",
    ),
    path("ellatas/<int:visit_id>/beavatkozas/", views.procedure_add_view, name="procedure_add"),
    path(
        "ellatas/<int:visit_id>/beavatkozas/<int:procedure_id>/torles/",
        views.procedure_delete,
        name="procedure_delete",
    ),
    path(
        "ellatas/<int:visit_id>/fogstatusz/<int:finding_id>/torles/",
        views.finding_delete,
        name="finding_delete",
    ),
    path("ellatas/<int:visit_id>/lezaras/", views.visit_close_view, name="visit_close"),
    path("ellatas/<int:visit_id>/javitas/", views.visit_correct_view, name="visit_correct"),
    path(
        "ellatas/<int:visit_id>/reviziok/<int:number>/",
        views.revision_detail,
        name="revision_detail",
    ),
    path("ellatas/<int:visit_id>/fogterkep/", views.visit_chart, name="visit_chart"),
    path("ellatas/<int:visit_id>/ambulans-lap.pdf", views.visit_pdf, name="visit_pdf"),
]
