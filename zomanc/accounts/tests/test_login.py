from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from zomanc.accounts.models import LoginThrottle, User
from zomanc.audit.models import AuditAction, AuditEntry
from zomanc.conftest import PASSWORD, Personas, make_member
from zomanc.practices.models import Practice, Role

LOGIN = "/accounts/login/"


def test_login_page_is_hungarian(personas: Personas) -> None:
    response = Client().get(LOGIN)
    assert response.status_code == 200
    assert "Bejelentkezés" in response.content.decode()
    assert "Elfelejtette a jelszavát?" in response.content.decode()


def test_login_with_email_and_password(personas: Personas) -> None:
    client = Client()
    response = client.post(LOGIN, {"email": "Fogorvos@Mosoly.test ", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert client.get("/").status_code == 200


def test_login_redirects_to_safe_next_only(personas: Personas) -> None:
    client = Client()
    response = client.post(
        LOGIN, {"email": "fogorvos@mosoly.test", "password": PASSWORD, "next": "/naplo/"}
    )
    assert response["Location"] == "/naplo/"
    other = Client().post(
        LOGIN,
        {"email": "fogorvos@mosoly.test", "password": PASSWORD, "next": "https://evil.test/"},
    )
    assert other["Location"] == reverse("core:home")


def test_wrong_password_is_refused_in_hungarian(personas: Personas) -> None:
    response = Client().post(LOGIN, {"email": "fogorvos@mosoly.test", "password": "rossz"})
    assert response.status_code == 200
    assert "Hibás e-mail cím vagy jelszó" in response.content.decode()
    assert "_auth_user_id" not in response.client.session


def test_login_records_audit_entry_in_every_practice_of_the_user(personas: Personas) -> None:
    # The doctor also works in practice B: both owners see the sign-in in their own log.
    from zomanc.practices.models import StaffMember

    StaffMember.objects.create(
        practice=personas.practice_b,
        user=personas.doctor.user,
        role=Role.ASSISTANT,
        display_name="Dr. Fog Ferenc",
    )
    Client().post(LOGIN, {"email": "fogorvos@mosoly.test", "password": PASSWORD})
    entries = AuditEntry.objects.filter(action=AuditAction.LOGIN, actor=personas.doctor.user)
    assert {e.practice_id for e in entries} == {personas.practice_a.pk, personas.practice_b.pk}
    assert all(e.ip_address == "127.0.0.1" for e in entries)


def test_failed_login_of_known_user_is_audited(personas: Personas) -> None:
    Client().post(LOGIN, {"email": "fogorvos@mosoly.test", "password": "rossz"})
    entry = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert entry.practice_id == personas.practice_a.pk
    assert entry.actor_id == personas.doctor.user_id


def test_user_without_active_membership_cannot_sign_in(personas: Personas) -> None:
    User.objects.create_user("senki@mosoly.test", PASSWORD, full_name="Senki Sándor")
    response = Client().post(LOGIN, {"email": "senki@mosoly.test", "password": PASSWORD})
    assert response.status_code == 200
    assert "nem tartozik aktív rendelői tagság" in response.content.decode()
    assert "_auth_user_id" not in response.client.session


def test_deactivated_member_loses_access_immediately(personas: Personas) -> None:
    client = personas.client_for(personas.assistant)
    personas.assistant.is_active = False
    personas.assistant.save()
    assert client.get("/").status_code == 403


class TestThrottling:
    def test_five_failures_lock_the_account_and_say_when_to_retry(self, personas: Personas) -> None:
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            for _ in range(4):
                response = Client().post(
                    LOGIN, {"email": "fogorvos@mosoly.test", "password": "rossz"}
                )
                assert "Hibás e-mail cím vagy jelszó" in response.content.decode()
            response = Client().post(LOGIN, {"email": "fogorvos@mosoly.test", "password": "rossz"})
            retry_at = timezone.localtime(start + timedelta(minutes=15)).strftime("%H:%M")
            assert "Túl sok sikertelen bejelentkezési kísérlet" in response.content.decode()
            assert f"próbálja újra {retry_at} után" in response.content.decode()
            # Even the right password is refused while locked: that is the point.
            locked = Client().post(LOGIN, {"email": "fogorvos@mosoly.test", "password": PASSWORD})
            assert locked.status_code == 200
            assert "_auth_user_id" not in locked.client.session
        with time_machine.travel(start + timedelta(minutes=14), tick=False):
            still = Client().post(LOGIN, {"email": "fogorvos@mosoly.test", "password": PASSWORD})
            assert "_auth_user_id" not in still.client.session
        with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
            ok = Client().post(LOGIN, {"email": "fogorvos@mosoly.test", "password": PASSWORD})
            assert ok.status_code == 302

    def test_lock_is_per_account(self, personas: Personas) -> None:
        for _ in range(5):
            Client().post(LOGIN, {"email": "fogorvos@mosoly.test", "password": "rossz"})
        other = Client().post(LOGIN, {"email": "orvos2@mosoly.test", "password": PASSWORD})
        assert other.status_code == 302

    def test_failures_outside_the_window_do_not_add_up(self, personas: Personas) -> None:
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            for _ in range(4):
                Client().post(LOGIN, {"email": "fogorvos@mosoly.test", "password": "rossz"})
        with time_machine.travel(start + timedelta(minutes=16), tick=False):
            Client().post(LOGIN, {"email": "fogorvos@mosoly.test", "password": "rossz"})
            ok = Client().post(LOGIN, {"email": "fogorvos@mosoly.test", "password": PASSWORD})
            assert ok.status_code == 302

    def test_success_resets_the_account_counter(self, personas: Personas) -> None:
        for _ in range(4):
            Client().post(LOGIN, {"email": "fogorvos@mosoly.test", "password": "rossz"})
        assert Client().post(LOGIN, {"email": "fogorvos@mosoly.test", "password": PASSWORD})
        for _ in range(4):
            Client().post(LOGIN, {"email": "fogorvos@mosoly.test", "password": "rossz"})
        ok = Client().post(LOGIN, {"email": "fogorvos@mosoly.test", "password": PASSWORD})
        assert ok.status_code == 302

    def test_unknown_accounts_are_throttled_too(self, db: None) -> None:
        # Same answer for existing and unknown addresses: no account enumeration by lockout.
        for _ in range(5):
            response = Client().post(LOGIN, {"email": "nincs@ilyen.test", "password": "x"})
        assert "Túl sok sikertelen" in response.content.decode()

    def test_one_address_is_locked_after_twenty_failures(self, personas: Personas) -> None:
        for i in range(20):
            Client().post(LOGIN, {"email": f"talalgatas{i}@mosoly.test", "password": "x"})
        blocked = Client().post(LOGIN, {"email": "fogorvos@mosoly.test", "password": PASSWORD})
        assert "Túl sok sikertelen" in blocked.content.decode()
        elsewhere = Client(REMOTE_ADDR="10.1.2.3").post(
            LOGIN, {"email": "fogorvos@mosoly.test", "password": PASSWORD}
        )
        assert elsewhere.status_code == 302
        assert LoginThrottle.objects.filter(scope="ip", key="127.0.0.1").exists()


def test_logout_is_post_only_and_audited(personas: Personas) -> None:
    client = personas.client_for(personas.receptionist)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert client.get("/").status_code == 302
    assert AuditEntry.objects.filter(
        action=AuditAction.LOGOUT, actor=personas.receptionist.user
    ).exists()


def test_signed_in_user_visiting_login_goes_home(personas: Personas) -> None:
    client = personas.client_for(personas.doctor)
    assert client.get(LOGIN)["Location"] == reverse("core:home")


@pytest.mark.django_db
def test_practice_switcher_changes_the_acting_practice() -> None:
    a = Practice.objects.create(name="Első Rendelő")
    b = Practice.objects.create(name="Második Rendelő")
    member_a = make_member(a, "ketto@helyen.test", "Két Helyen", Role.DOCTOR, "11111")
    from zomanc.practices.models import StaffMember

    StaffMember.objects.create(
        practice=b, user=member_a.user, role=Role.OWNER, display_name="Két Helyen"
    )
    client = Client()
    client.force_login(member_a.user)
    home = client.get("/").content.decode()
    assert 'name="practice"' in home and "Második Rendelő" in home
    assert "Első Rendelő" in home
    client.post("/switch-practice/", {"practice": str(b.pk)})
    assert client.get("/").context["practice"] == b
    # Someone else's practice id is ignored.
    outsider = Practice.objects.create(name="Idegen")
    response = client.post("/switch-practice/", {"practice": str(outsider.pk)}, follow=True)
    assert "nincs hozzáférése" in response.content.decode()
    assert client.get("/").context["practice"] == b


def test_single_practice_user_sees_no_switcher(personas: Personas) -> None:
    home = personas.client_for(personas.doctor).get("/").content.decode()
    assert 'name="practice"' not in home
