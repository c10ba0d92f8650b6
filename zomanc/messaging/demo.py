"""The demo practices' e-mail settings: the sandbox's mail catcher (sandbox/mail), whose page
"Elküldött levelek" shows every message the demo sends (scripts/demo.sh prints its URL).
The port comes from ZOMANC_DEMO_SMTP_PORT (demo.sh sets it from the sandbox's server.json;
2525 by default). Idempotent: a practice with settings keeps them."""

import os

from zomanc.messaging.models import MailSettings, SmtpSecurity
from zomanc.messaging.services import mail_settings_save
from zomanc.practices.models import Practice, Role, StaffMember

DEMO_SMTP_PORT = 2525


def demo_mail_settings_create(practice: Practice) -> MailSettings | None:
    existing = MailSettings.objects.filter(practice=practice).first()
    if existing is not None:
        return existing
    owner = StaffMember.objects.filter(practice=practice, role=Role.OWNER).order_by("pk").first()
    if owner is None:
        return None
    slug = "mosoly" if "Mosoly" in practice.name else "gyongy"
    return mail_settings_save(
        practice=practice,
        host="127.0.0.1",
        port=int(os.environ.get("ZOMANC_DEMO_SMTP_PORT", DEMO_SMTP_PORT)),
        security=SmtpSecurity.NONE,
        # The catcher accepts any login: the demo still shows a sealed password at work.
        username=f"{slug}-rendelo",
        password="demo-smtp-jelszo",  # noqa: S106 - the demo catcher's, accepted by any
        from_email=f"rendelo@{slug}.example",
        from_name=practice.name,
        reply_to=f"recepcio@{slug}.example",
        actor=owner,
    )
