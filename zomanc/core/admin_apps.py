"""App config that swaps the stock admin site for ZomancAdminSite (superusers only). Kept apart
from admin_site.py: this module is imported while the app registry is still loading."""

from django.contrib.admin.apps import AdminConfig


class ZomancAdminConfig(AdminConfig):
    default_site = "zomanc.core.admin_site.ZomancAdminSite"
