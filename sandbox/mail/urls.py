"""The catcher's pages, on the HTTP listener (listener_guard keeps them off the others)."""

from django.urls import path

from sandbox.mail import views

app_name = "mail"

urlpatterns = [
    path("levelek/", views.message_list, name="list"),
    path("levelek/torles/", views.messages_clear, name="clear"),
    path("levelek/<int:pk>/", views.message_detail, name="detail"),
    path("levelek/<int:pk>/html/", views.message_html, name="html"),
    path("levelek/<int:pk>/eredeti.eml", views.message_raw, name="raw"),
    path(
        "levelek/<int:pk>/csatolmany/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment",
    ),
]
