"""URLs of the EESZT pages (namespace `eeszt`): setup, login, EHR, eProfil, e-Beutaló."""

from django.urls import path

from zomanc.eeszt.ehr import views as ehr_views
from zomanc.eeszt.login import views as login_views
from zomanc.eeszt.profile import views as profile_views
from zomanc.eeszt.referral import views as referral_views
from zomanc.eeszt.setup import views

app_name = "eeszt"
urlpatterns = [
    path("beallitasok/", views.settings_index, name="settings"),
    path("beallitasok/<int:company_id>/", views.company_settings, name="company_settings"),
    path(
        "beallitasok/<int:company_id>/intezmeny/",
        views.institution_update,
        name="institution_update",
    ),
    path(
        "beallitasok/<int:company_id>/szervezeti-egyseg/", views.org_unit_add, name="org_unit_add"
    ),
    path("beallitasok/<int:company_id>/torzsadat/", views.refdata_check, name="refdata_check"),
    path(
        "beallitasok/<int:company_id>/felhasznalo/<int:member_id>/",
        views.member_profile_update,
        name="member_profile_update",
    ),
    path(
        "beallitasok/<int:company_id>/tanusitvany/",
        views.certificate_upload,
        name="certificate_upload",
    ),
    path("beallitasok/<int:company_id>/kapcsolat/", views.connection_test, name="connection_test"),
    path("beallitasok/<int:company_id>/modul/", views.module_toggle, name="module_toggle"),
    path("bejelentkezes/", login_views.login_page, name="login"),
    path(
        "bejelentkezes/<int:company_id>/kihivas/",
        login_views.login_challenge,
        name="login_challenge",
    ),
    path("bejelentkezes/<int:company_id>/kartya/", login_views.login_card, name="login_card"),
    path("bejelentkezes/<int:company_id>/token/", login_views.login_token, name="login_token"),
    path("bejelentkezes/<int:company_id>/mobil/", login_views.login_mobile, name="login_mobile"),
    path("munkamenet/<int:session_id>/kilepes/", login_views.session_end, name="session_end"),
    # S8 eProfil
    path("eprofil/<int:patient_id>/", profile_views.profile_list, name="profile"),
    path("eprofil/<int:patient_id>/uj/", profile_views.profile_create, name="profile_create"),
    path(
        "eprofil/<int:patient_id>/<str:entry_id>/modositas/",
        profile_views.profile_update,
        name="profile_update",
    ),
    path(
        "eprofil/<int:patient_id>/<str:entry_id>/torles/",
        profile_views.profile_delete,
        name="profile_delete",
    ),
    path(
        "eprofil/<int:patient_id>/<str:entry_id>/elozmenyek/",
        profile_views.profile_history,
        name="profile_history",
    ),
    # S9 e-Beutaló
    path("beutalo/ellatas/<int:visit_id>/", referral_views.referral_list, name="referral_list"),
    path(
        "beutalo/ellatas/<int:visit_id>/felhasznalas/",
        referral_views.referral_use,
        name="referral_use",
    ),
    # S7 / S10: EHR documents, breakglass, insurance light
    path("paciens/<int:patient_id>/ehr/", ehr_views.ehr_documents, name="ehr_documents"),
    path(
        "paciens/<int:patient_id>/ehr/breakglass/",
        ehr_views.ehr_breakglass_view,
        name="ehr_breakglass",
    ),
    path(
        "paciens/<int:patient_id>/ehr/<str:document_id>/",
        ehr_views.ehr_document,
        name="ehr_document",
    ),
    path("paciens/<int:patient_id>/tb-lampa/", ehr_views.ehr_eligibility, name="ehr_eligibility"),
]
