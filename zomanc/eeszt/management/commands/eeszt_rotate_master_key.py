"""Re-wraps every sealed secret's data key under the current master key (the first entry of
ZOMANC_MASTER_KEYS). Rotation: put the new key first, keep the old one after it, run this,
then remove the old key. Idempotent and all-or-nothing; prints counts, never key material."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from zomanc.eeszt.vault import VaultError, vault_rewrap_all


class Command(BaseCommand):
    help = "Az EESZT titkok adatkulcsainak újracsomagolása az aktuális mesterkulccsal."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = vault_rewrap_all()
        except VaultError as exc:
            raise CommandError(f"{exc} Semmi nem változott.") from exc
        self.stdout.write(
            f"Aktuális mesterkulcs: {report.current_kid}. Titkok: {report.total}, "
            f"újracsomagolva: {report.rewrapped}, már az aktuális kulccsal: "
            f"{report.already_current}."
        )
