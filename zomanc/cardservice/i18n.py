"""gettext for the standalone card service: the same catalogues as Django's (`locale/`,
domain "django"), loaded with the standard library because this process has no Django.
Hungarian is the source language, so a missing catalogue simply shows Hungarian."""

import gettext
import os
from pathlib import Path

_LOCALE_DIR = Path(__file__).resolve().parent.parent.parent / "locale"
_LANG = os.environ.get("ZOMANC_CARDSERVICE_LANG", "hu")
_translation = gettext.translation(
    "django", localedir=str(_LOCALE_DIR), languages=[_LANG], fallback=True
)


def _(message: str) -> str:
    return _translation.gettext(message)
