"""URLs of the BNO-10 picker (mounted at kodok/bno/, namespace "bno")."""

from django.urls import path

from zomanc.codes import bno_views

app_name = "bno"
urlpatterns = [path("kereses/", bno_views.bno_picker, name="picker")]
