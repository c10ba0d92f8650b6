import base64

import pyotp

from zomanc.accounts.models import SealedTOTPDevice, User


def totp_code(device: SealedTOTPDevice) -> str:
    """The code an authenticator app shows right now (pyotp, independent of django-otp)."""
    return pyotp.TOTP(base64.b32encode(device.bin_key).decode()).now()


def confirmed_device(user: User) -> SealedTOTPDevice:
    return SealedTOTPDevice.objects.create(user=user, name="teszt", confirmed=True)
