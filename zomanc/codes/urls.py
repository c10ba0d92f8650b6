"""URLs of the code sets. The treatment catalogue lives under katalogus/ (catalogue_views);
the BNO picker adds its own lines here."""

from django.urls import path

from zomanc.codes import catalogue_views

app_name = "codes"
urlpatterns = [
    path("katalogus/", catalogue_views.catalogue_list, name="catalogue"),
    path("katalogus/uj/", catalogue_views.catalogue_create, name="catalogue_create"),
    path("katalogus/<int:item_id>/", catalogue_views.catalogue_edit, name="catalogue_edit"),
    path(
        "katalogus/<int:item_id>/aktiv/",
        catalogue_views.catalogue_set_active,
        name="catalogue_set_active",
    ),
]
