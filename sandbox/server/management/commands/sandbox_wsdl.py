"""Regenerate contract/<service>.wsdl from the registry (after adding an operation)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sandbox.soap.registry import CONTRACT_DIR, SERVICES
from sandbox.soap.wsdl import render_wsdl


class Command(BaseCommand):
    help = "A szolgáltatások WSDL fájljainak újragenerálása a regisztrációból."

    def handle(self, *args: Any, **options: Any) -> None:
        for service in SERVICES.values():
            path = CONTRACT_DIR / service.wsdl
            path.write_text(render_wsdl(service), encoding="utf-8")
            self.stdout.write(f"{path}")
