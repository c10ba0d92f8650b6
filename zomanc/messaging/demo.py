"""The demo practices' e-mail settings: the sandbox's mail catcher (sandbox/mail), whose page
"Elküldött levelek" shows every message the demo sends (scripts/demo.sh prints its URL).
The port comes from ZOMANC_DEMO_SMTP_PORT (demo.sh sets it from the sandbox's server.json;
2525 by default). Idempotent: a practice with settings keeps them.

And their SMS settings: the sandbox's SMS gateway (sandbox/sms, page "Elküldött SMS-ek"),
its API at ZOMANC_DEMO_SMS_URL (demo.sh: the sandbox's HTTP port), with the demo accounts'
API keys the sandbox seeds (sandbox/sms/services.py DEMO_ACCOUNTS; a test compares them)."""

import os

from zomanc.messaging.models import MailSettings, SmsSettings, SmtpSecurity
from zomanc.messaging.services import mail_settings_save
from zomanc.messaging.sms_outbox import sms_settings_save
from zomanc.practices.models import Practice, Role, StaffMember

DEMO_SMTP_PORT = 2525
DEMO_SMS_URL = "http://127.0.0.1:9080/sms/api/messages"
# The sandbox gateway's demo accounts (made-up keys, printed on its page).
DEMO_SMS_KEYS = {"mosoly": "sms-demo-mosoly-2026", "gyongy": "sms-demo-gyongy-2026"}


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


def demo_sms_settings_create(practice: Practice) -> SmsSettings | None:
    existing = SmsSettings.objects.filter(practice=practice).first()
    if existing is not None:
        return existing
    owner = StaffMember.objects.filter(practice=practice, role=Role.OWNER).order_by("pk").first()
    if owner is None:
        return None
    slug = "mosoly" if "Mosoly" in practice.name else "gyongy"
    return sms_settings_save(
        practice=practice,
        url=os.environ.get("ZOMANC_DEMO_SMS_URL", DEMO_SMS_URL),
        api_key=DEMO_SMS_KEYS[slug],
        sender_name=slug.capitalize(),
        actor=owner,
    )
