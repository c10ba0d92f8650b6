"""The demo practices' reminder rule: the default (24 hours before, by e-mail), so a person
trying the demo sees reminders reach the sandbox's mail catcher for patients who consented.
Idempotent: a practice with a rule keeps it."""

from zomanc.practices.models import Practice, Role, StaffMember
from zomanc.reminders.models import ReminderRule
from zomanc.reminders.services import reminder_rule_save


def demo_reminder_rule_create(practice: Practice) -> ReminderRule | None:
    existing = ReminderRule.objects.filter(practice=practice).first()
    if existing is not None:
        return existing
    owner = StaffMember.objects.filter(practice=practice, role=Role.OWNER).order_by("pk").first()
    if owner is None:
        return None
    return reminder_rule_save(
        practice=practice,
        is_active=True,
        first_hours=24,
        second_hours=None,
        use_email=True,
        use_sms=False,
        actor=owner,
    )
