import base64

import pyotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from zomanc.accounts.models import User


def totp_code(device: TOTPDevice) -> str:
    """The code an authenticator app shows right now (pyotp, independent of django-otp)."""
    return pyotp.TOTP(base64.b32encode(device.bin_key).decode()).now()


def confirmed_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="teszt", confirmed=True)
