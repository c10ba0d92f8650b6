from django.urls import path

from sandbox.soap import views

urlpatterns = [path("soap/<slug:service>", views.endpoint, name="soap-endpoint")]
