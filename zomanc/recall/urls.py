from django.urls import path

from zomanc.recall import views

app_name = "recall"
urlpatterns = [
    path("", views.recall_list_view, name="list"),
    path("kapcsolat/", views.recall_contact, name="contact"),
    path("ertesites/", views.recall_send, name="send"),
    path("paciens/<int:patient_id>/", views.patient_recall_view, name="patient"),
    path("szabalyok/", views.rule_list, name="rules"),
    path("szabalyok/<int:rule_id>/", views.rule_edit, name="rule_edit"),
]
