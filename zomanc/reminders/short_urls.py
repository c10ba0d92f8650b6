"""The SMS's one short link, mounted at the site's root (/s/<token>/, zomanc/urls.py): every
character of an SMS is paid for, and "/emlekeztetok/s/" would cost 13 more (links.short_url)."""

from django.urls import path

from zomanc.reminders import views

app_name = "reminder_short"
urlpatterns = [path("<str:token>/", views.short, name="page")]
