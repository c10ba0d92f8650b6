"""Django admin for superusers only, behind the product's own sign-in.

The stock admin lets any `is_staff` user in and has its own login form, which would skip the
throttling and the TOTP step. Here only active superusers get in, and the admin's login page
redirects to ours."""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ZomancAdminSite(admin.AdminSite):
    site_header = _("Zománc adminisztráció")
    site_title = _("Zománc adminisztráció")
    index_title = _("Rendszergazdai nézet")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser)

    def login(
        self, request: HttpRequest, extra_context: dict[str, object] | None = None
    ) -> HttpResponse:
        if request.user.is_authenticated:
            # Signed in but not a superuser: the admin is simply not for him.
            return redirect("core:home")
        return redirect_to_login(request.GET.get("next") or self.index_url())

    def index_url(self) -> str:
        return reverse("admin:index", current_app=self.name)
