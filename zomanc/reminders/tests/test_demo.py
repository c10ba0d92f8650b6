"""The demo practices get the default reminder rule, once; their booked future appointments
get their reminder rows."""

from __future__ import annotations

import pytest
import time_machine

from zomanc.reminders.demo import demo_reminder_rule_create
from zomanc.reminders.models import Reminder
from zomanc.reminders.tests.conftest import local
from zomanc.scheduling.tests.conftest import Cal

pytestmark = pytest.mark.django_db


def test_demo_rule_once_and_reminders_for_booked(cal: Cal) -> None:
    with time_machine.travel(local(2, 9), tick=False):
        appointment = cal.book(local(5, 10))
        rule = demo_reminder_rule_create(cal.p.practice_a)
        assert rule is not None and (rule.first_hours, rule.use_email) == (24, True)
        assert demo_reminder_rule_create(cal.p.practice_a) == rule  # idempotent
    assert Reminder.objects.get(appointment=appointment).due_at == local(4, 10)
