"""The gateway's API and its page, on the HTTP listener (listener_guard keeps them there)."""

from django.urls import path

from sandbox.sms import api, views

app_name = "sms"

urlpatterns = [
    path("sms/api/messages", api.messages_create, name="api_create"),
    path("sms/api/messages/<str:public_id>", api.message_status, name="api_status"),
    path("sms-ek/", views.message_list, name="list"),
    path("sms-ek/hibak/", views.faults_set, name="faults"),
    path("sms-ek/fiok/", views.account_create, name="account"),
    path("sms-ek/torles/", views.messages_clear, name="clear"),
]
