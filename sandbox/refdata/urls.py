from django.urls import path

from sandbox.refdata import views

urlpatterns = [path("refdata/getEntity", views.get_entity, name="refdata-get-entity")]
