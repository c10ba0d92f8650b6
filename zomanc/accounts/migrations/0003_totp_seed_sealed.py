"""TOTP seeds sealed in the vault: the proxy model, and every existing plain seed sealed.

The data step uses the vault itself (zomanc.eeszt.vault), i.e. today's SealedSecret model,
not the historical one: sealing is the vault's job and must not be copied here. On a fresh
database there are no devices yet, so the step touches nothing and cannot trip over a later
change of the vault's table."""

from binascii import unhexlify
from typing import Any

from django.db import migrations

PREFIX = "vault:"


def seal_plain_seeds(apps: Any, schema_editor: Any) -> None:
    from zomanc.eeszt.vault import vault_encrypt

    device_model = apps.get_model("otp_totp", "TOTPDevice")
    for device in device_model.objects.exclude(key__startswith=PREFIX).order_by("pk"):
        secret = vault_encrypt(unhexlify(device.key), purpose=f"accounts.totp/user:{device.user_id}")
        device.key = PREFIX + str(secret.uid)
        device.save(update_fields=["key"])


def unseal_seeds(apps: Any, schema_editor: Any) -> None:
    from zomanc.eeszt.models import SealedSecret
    from zomanc.eeszt.vault import vault_decrypt

    device_model = apps.get_model("otp_totp", "TOTPDevice")
    for device in device_model.objects.filter(key__startswith=PREFIX).order_by("pk"):
        secret = SealedSecret.objects.get(uid=device.key.removeprefix(PREFIX))
        seed = vault_decrypt(secret, purpose=f"accounts.totp/user:{device.user_id}")
        device.key = seed.hex()
        device.save(update_fields=["key"])
        secret.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_login_throttle"),
        ("otp_totp", "0003_add_timestamps"),
        ("eeszt", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="SealedTOTPDevice",
            fields=[],
            options={
                "verbose_name": "TOTP eszköz (titkosított kulccsal)",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("otp_totp.totpdevice",),
        ),
        migrations.RunPython(seal_plain_seeds, unseal_seeds),
    ]
