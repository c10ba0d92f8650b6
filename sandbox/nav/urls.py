"""NAV URLs: the API (NAV listener only) and the portal pages (HTTP listener only);
sandbox.server.middleware.listener_guard keeps each on its port."""

from django.urls import path

from sandbox.nav import api, views

app_name = "nav"

urlpatterns = [
    path("invoiceService/v3/<str:operation>", api.endpoint, name="api"),
    path("nav/", views.home, name="home"),
    path("nav/adozo/", views.taxpayer_register_view, name="taxpayer_register"),
    path("nav/adozo/<str:tax_number>/", views.taxpayer_detail, name="taxpayer"),
    path(
        "nav/adozo/<str:tax_number>/technikai-felhasznalo/", views.user_create, name="user_create"
    ),
    path("nav/adozo/<str:tax_number>/szamlak/", views.invoices, name="invoices"),
    path("nav/adozo/<str:tax_number>/elutasitott/", views.rejected, name="rejected"),
    path("nav/adozo/<str:tax_number>/ervenytelenites/", views.annulments, name="annulments"),
    path(
        "nav/ervenytelenites/<int:pk>/dontes/", views.annulment_decide_view, name="annulment_decide"
    ),
    path("nav/uzemeltetes/", views.operator, name="operator"),
]
