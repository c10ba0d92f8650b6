from django.urls import path

from zomanc.plans import clinical_views, paper_views, send_views, views
from zomanc.plans.booking_views import plan_book

app_name = "plans"
urlpatterns = [
    path("paciens/<int:patient_id>/", views.plan_list, name="list"),
    path("nyitott-kezelesek/", views.open_treatment_view, name="open_treatment"),
    path("arlistak/", views.price_lists, name="price_lists"),
    path("konverzio/", views.conversion_report_view, name="conversion_report"),
    path("arlistak/<int:price_list_id>/", views.price_list_detail, name="price_list"),
    path("<int:plan_id>/", views.plan_detail, name="detail"),
    path("<int:plan_id>/adatok/", views.plan_terms, name="terms"),
    path("<int:plan_id>/szakasz/", views.phase_add, name="phase_add"),
    path("<int:plan_id>/szakasz/<int:phase_id>/lehetoseg/", views.option_add, name="option_add"),
    path("<int:plan_id>/tetel/", views.item_add, name="item_add"),
    path("<int:plan_id>/tetel/<int:item_id>/torles/", views.item_remove, name="item_remove"),
    path("<int:plan_id>/tetel/<int:item_id>/elvegezve/", views.item_complete, name="item_complete"),
    path("<int:plan_id>/foglalas/", plan_book, name="book"),
    path(
        "<int:plan_id>/lehetoseg/<int:option_id>/valasztas/",
        views.option_choose,
        name="option_choose",
    ),
    path("<int:plan_id>/allapot/", views.plan_status, name="status"),
    path("<int:plan_id>/uj-verzio/", views.plan_new_version, name="revise"),
    path("<int:plan_id>/arajanlat.pdf", views.plan_pdf, name="pdf"),
    path("<int:plan_id>/arajanlat-kuldese/", send_views.plan_send_email, name="send_email"),
    path("<int:plan_id>/alairas/", views.plan_sign_view, name="sign"),
    path("<int:plan_id>/alairt-arajanlat.pdf", views.signed_quote_pdf, name="signed_pdf"),
    path("<int:plan_id>/alairas.png", views.signature_image, name="signature_image"),
    path("<int:plan_id>/alairt-papir/", paper_views.plan_paper_view, name="paper"),
    path("<int:plan_id>/alairt-papir/fajl", paper_views.signed_paper, name="signed_paper"),
    # The chart and the chair (plans/clinical_views.py).
    path(
        "paciens/<int:patient_id>/fogterkeprol/",
        clinical_views.chart_plan,
        name="chart_plan",
    ),
    path(
        "ellatas/<int:visit_id>/tetel/<int:item_id>/rogzites/",
        clinical_views.item_perform,
        name="item_perform",
    ),
    path(
        "ellatas/<int:visit_id>/tetel/<int:item_id>/kipipalas/<int:procedure_id>/",
        clinical_views.item_tick,
        name="item_tick",
    ),
]
