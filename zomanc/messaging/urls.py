from django.urls import path

from zomanc.messaging import views

app_name = "messaging"

urlpatterns = [
    path("beallitasok/", views.mail_settings, name="settings"),
    path("beallitasok/proba/", views.mail_test, name="test"),
    path("beallitasok/sms/", views.sms_settings, name="sms_settings"),
]
