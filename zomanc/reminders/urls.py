from django.urls import path

from zomanc.reminders import views

app_name = "reminders"
urlpatterns = [
    path("beallitasok/", views.reminder_settings, name="settings"),
    path("beallitasok/szabaly/", views.rule_save, name="rule_save"),
    path("beallitasok/sablon/", views.template_save, name="template_save"),
    path("beallitasok/sms-sablon/", views.sms_template_save, name="sms_template_save"),
    # The patient's links: no login, the signed token is the key.
    path("e/<str:token>/", views.respond, name="respond"),
    path("leiratkozas/<str:token>/", views.optout, name="optout"),
]
