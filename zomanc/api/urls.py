from django.urls import path

from zomanc.api import views

app_name = "api_tokens"
urlpatterns = [
    path("", views.token_list, name="list"),
    path("uj/", views.token_create, name="create"),
    path("<int:token_id>/visszavonas/", views.token_revoke, name="revoke"),
]
