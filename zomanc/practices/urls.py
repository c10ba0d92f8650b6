# "beallitasok/eeszt/..." is left for the EESZT module (URL name eeszt:settings).
from django.urls import path

from zomanc.practices import views

app_name = "practices"
urlpatterns = [
    path("", views.practice_settings, name="settings"),
    path("logo/", views.practice_logo_upload, name="logo"),
    path("logo/kep", views.practice_logo_image, name="logo_image"),
    path("cegek/", views.company_list, name="company_list"),
    path("cegek/uj/", views.company_create, name="company_create"),
    path("cegek/<int:company_id>/", views.company_edit, name="company_edit"),
    path(
        "cegek/<int:company_id>/inaktivalas/",
        views.company_deactivate,
        name="company_deactivate",
    ),
    path(
        "cegek/<int:company_id>/aktivalas/",
        views.company_reactivate,
        name="company_reactivate",
    ),
    path(
        "cegek/<int:company_id>/szervezeti-egysegek/uj/",
        views.org_unit_create,
        name="org_unit_create",
    ),
    path("szervezeti-egysegek/<int:org_unit_id>/", views.org_unit_edit, name="org_unit_edit"),
    path(
        "szervezeti-egysegek/<int:org_unit_id>/inaktivalas/",
        views.org_unit_deactivate,
        name="org_unit_deactivate",
    ),
    path(
        "szervezeti-egysegek/<int:org_unit_id>/aktivalas/",
        views.org_unit_reactivate,
        name="org_unit_reactivate",
    ),
    path("munkatarsak/", views.staff_list, name="staff_list"),
    path("munkatarsak/uj/", views.staff_create, name="staff_create"),
    path("munkatarsak/<int:staff_member_id>/", views.staff_edit, name="staff_edit"),
    path(
        "munkatarsak/<int:staff_member_id>/inaktivalas/",
        views.staff_deactivate,
        name="staff_deactivate",
    ),
    path(
        "munkatarsak/<int:staff_member_id>/aktivalas/",
        views.staff_reactivate,
        name="staff_reactivate",
    ),
]
