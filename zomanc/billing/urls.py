from django.urls import path

from zomanc.billing import plan_views, views

app_name = "billing"
urlpatterns = [
    path("", views.invoice_list, name="list"),
    path("paciens/<int:patient_id>/", views.patient_billing, name="patient"),
    path("vizit/<int:visit_id>/", views.visit_invoice_new, name="visit_new"),
    path("<int:invoice_id>/", views.invoice_detail, name="detail"),
    path("<int:invoice_id>/pdf/", views.invoice_pdf_view, name="pdf"),
    path("<int:invoice_id>/email/", plan_views.invoice_email, name="email"),
    path("terv/<int:plan_id>/", plan_views.plan_billing, name="plan"),
    path("<int:invoice_id>/sztorno/", views.invoice_storno_view, name="storno"),
    path("<int:invoice_id>/befizetes/", views.payment_take_view, name="payment"),
    path("<int:invoice_id>/modositas/", views.invoice_modify_view, name="modify"),
    path("kintlevosegek/", views.receivables, name="receivables"),
    path("zaras/", views.closing_list, name="closings"),
    path("zaras/<int:company_id>/<str:day>/", views.closing_day, name="closing_day"),
    path("zaras/<int:company_id>/<str:day>/pdf/", views.closing_pdf_view, name="closing_pdf"),
    path("export/", views.exports, name="exports"),
    path("export/<str:kind>", views.export_download, name="export_download"),
    path("nav/", views.nav_submission_list, name="nav_list"),
    path("nav/<int:submission_id>/ujrakuldes/", views.nav_submission_retry_view, name="nav_retry"),
    path("nav/beallitasok/<int:company_id>/", views.nav_settings, name="nav_settings"),
]
