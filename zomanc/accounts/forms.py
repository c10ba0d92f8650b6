from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.utils.translation import gettext_lazy as _

from zomanc.accounts.models import User


class LoginForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail cím"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Jelszó"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class OTPCodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Hitelesítő kód"),
        regex=r"^[0-9]{6}$",
        error_messages={"invalid": _("A kód 6 számjegy, ahogy a hitelesítő alkalmazás mutatja.")},
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "maxlength": "7",
            }
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Authenticator apps show "123 456": accept the space.
        if self.data.get("code"):
            data = dict(self.data.items())
            data["code"] = str(data["code"]).replace(" ", "").strip()
            self.data = data


class ZomancPasswordResetForm(PasswordResetForm):
    """Also reaches colleagues who were invited but never set a password: for them the reset
    link is the (re-sent) invitation."""

    def get_users(self, email: str) -> Any:
        return (
            user
            for user in User.objects.filter(email__iexact=email.strip(), is_active=True)
            if user.email
        )
