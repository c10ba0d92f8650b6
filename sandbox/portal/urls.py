"""URLs of the Ágazati portál (served on the HTTP listener only; see sandbox.urls)."""

from django.urls import path

from sandbox.portal.views import (
    account,
    auth,
    certs,
    contract,
    operator,
    patient,
    testdata,
    vmatrix,
)

app_name = "portal"

urlpatterns = [
    path("", auth.home, name="home"),
    path("szerzodes/" + contract.ZIP_NAME, contract.contract_download, name="contract_download"),
    path("bejelentkezes/", auth.login, name="login"),
    path("bejelentkezes/kartya/inditas/", auth.login_card_start, name="login_card_start"),
    path("bejelentkezes/kartya/", auth.login_card, name="login_card"),
    path("bejelentkezes/token/", auth.login_token, name="login_token"),
    path("bejelentkezes/mobiltoken/", auth.login_mobile, name="login_mobile"),
    path("kijelentkezes/", auth.logout, name="logout"),
    path("intezmenyvalasztas/", auth.choose_context, name="choose_context"),
    path("tanusitvany/", certs.certificates, name="certificates"),
    path("tanusitvany/letoltes/", certs.certificate_download, name="certificate_download"),
    path(
        "tanusitvany/<int:pk>/visszavonas/",
        certs.certificate_revoke_view,
        name="certificate_revoke",
    ),
    path("sms/", account.sms_outbox, name="sms"),
    path("kartya/", account.card_activation, name="card_activation"),
    path(
        "kartya/kartyaszolgaltatas/",
        account.card_activation_from_service,
        name="card_activation_service",
    ),
    path("mobiltoken/", account.mobile_token, name="mobile_token"),
    path("jelszo/", account.password, name="password"),
    path("vmatrix/", vmatrix.vmatrix, name="vmatrix"),
    path("vmatrix/jogosultsag/", vmatrix.grant_create, name="grant_create"),
    path("vmatrix/jogosultsag/<int:pk>/torles/", vmatrix.grant_delete, name="grant_delete"),
    path("vmatrix/intezmenyi-jog/", vmatrix.right_create, name="right_create"),
    path("vmatrix/intezmenyi-jog/<int:pk>/torles/", vmatrix.right_delete, name="right_delete"),
    path("lakossagi/", patient.patient_choose, name="patient_choose"),
    path("lakossagi/kilepes/", patient.patient_leave, name="patient_leave"),
    path("lakossagi/adataim/", patient.patient_home, name="patient_home"),
    path("lakossagi/esemenyek/", patient.patient_events, name="patient_events"),
    path("lakossagi/dokumentumok/", patient.patient_documents, name="patient_documents"),
    path("lakossagi/beutalok/", patient.patient_referrals, name="patient_referrals"),
    path("lakossagi/eprofil/", patient.patient_profile, name="patient_profile"),
    path(
        "lakossagi/eprofil/<str:entry_id>/",
        patient.patient_profile_history,
        name="patient_profile_history",
    ),
    path("lakossagi/hozzaferesi-naplo/", patient.patient_access_log, name="patient_access_log"),
    path("lakossagi/onrendelkezes/", patient.patient_dor, name="patient_dor"),
    path("lakossagi/onrendelkezes/tiltas/", patient.patient_dor_add, name="patient_dor_add"),
    path(
        "lakossagi/onrendelkezes/tiltas/<int:pk>/feloldas/",
        patient.patient_dor_lift,
        name="patient_dor_lift",
    ),
    path(
        "lakossagi/onrendelkezes/felmentes/", patient.patient_waiver_add, name="patient_waiver_add"
    ),
    path(
        "lakossagi/onrendelkezes/felmentes/<int:pk>/visszavonas/",
        patient.patient_waiver_revoke,
        name="patient_waiver_revoke",
    ),
    path(
        "lakossagi/onrendelkezes/eprofil/",
        patient.patient_profile_forbid,
        name="patient_profile_forbid",
    ),
    path("uzemeltetes/belepes/", operator.operator_login, name="operator_login"),
    path("uzemeltetes/kilepes/", operator.operator_logout, name="operator_logout"),
    path("uzemeltetes/", operator.operator, name="operator"),
    path("uzemeltetes/hiba/", operator.fault_set, name="fault_set"),
    path("uzemeltetes/hiba/torles/", operator.fault_delete, name="fault_delete"),
    path("uzemeltetes/hiba/mind-torles/", operator.faults_clear, name="faults_clear"),
    path("uzemeltetes/szamlalok/nullazas/", operator.counters_reset, name="counters_reset"),
    path("uzemeltetes/ora/", operator.clock_set, name="clock_set"),
    path("uzemeltetes/tesztadatok/", testdata.testdata, name="testdata"),
    path("uzemeltetes/tesztadatok/beutalo/", testdata.referral_create, name="testdata_referral"),
    path(
        "uzemeltetes/tesztadatok/beutalo/<str:referral_id>/visszavonas/",
        testdata.referral_revoke_view,
        name="testdata_referral_revoke",
    ),
    path("uzemeltetes/tesztadatok/szemely/", testdata.person_save, name="testdata_person"),
    path("uzemeltetes/tesztadatok/dokumentum/", testdata.document_create, name="testdata_document"),
]
