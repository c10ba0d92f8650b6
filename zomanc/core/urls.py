from django.urls import path

from zomanc.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("switch-practice/", views.switch_practice, name="switch_practice"),
]
