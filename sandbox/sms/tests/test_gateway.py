"""The SMS gateway stand-in over real HTTP (the live server, requests): accept, idempotency on
client_ref, authentication per account, delivery reports by polling (delivered, failed for the
reserved numbers), failures on demand (503, accept-then-lose-the-answer), and its page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import requests
import time_machine
from django.test import Client
from django.urls import reverse

from sandbox.sms import gsm, services
from sandbox.sms.models import SmsMessage

KEY = "sms-demo-mosoly-2026"
OTHER_KEY = "sms-demo-gyongy-2026"


@pytest.fixture
def gateway(live_server: Any, transactional_db: None) -> str:
    services.sms_seed_demo()
    return f"{live_server.url}/sms/api/messages"


def _post(url: str, body: dict[str, Any], key: str = KEY) -> requests.Response:
    return requests.post(url, json=body, headers={"Authorization": f"Bearer {key}"}, timeout=10)


def _get(url: str, key: str = KEY) -> requests.Response:
    return requests.get(url, headers={"Authorization": f"Bearer {key}"}, timeout=10)


def test_accepts_and_reports_delivery(gateway: str, settings: Any) -> None:
    answer = _post(gateway, {"to": "+36 20 123 4567", "text": "Holnap 9:00", "client_ref": "r1"})
    assert answer.status_code == 202
    body = answer.json()
    assert body["status"] == "accepted" and body["id"].startswith("sms_")
    assert body["encoding"] == "GSM-7" and body["segments"] == 1
    assert _get(f"{gateway}/{body['id']}").json()["status"] == "accepted"
    later = dt.datetime.now(dt.UTC) + dt.timedelta(
        seconds=settings.SANDBOX_SMS_DELIVERY_SECONDS + 1
    )
    with time_machine.travel(later):
        report = _get(f"{gateway}/{body['id']}").json()
    assert report["status"] == "delivered" and report["final_at"]
    assert SmsMessage.objects.get().to == "+36201234567"


def test_reserved_number_fails(gateway: str, settings: Any) -> None:
    body = _post(gateway, {"to": "+36200000012", "text": "x", "client_ref": "bad"}).json()
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)):
        report = _get(f"{gateway}/{body['id']}").json()
    assert report["status"] == "failed" and "nem érhető el" in report["error"]


def test_same_client_ref_same_message_once(gateway: str) -> None:
    first = _post(gateway, {"to": "+36301112233", "text": "Egyszer", "client_ref": "ref-1"})
    again = _post(gateway, {"to": "+36301112233", "text": "Egyszer", "client_ref": "ref-1"})
    assert first.status_code == 202 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert SmsMessage.objects.count() == 1
    assert SmsMessage.objects.get().submissions == 2


def test_client_ref_is_per_account(gateway: str) -> None:
    a = _post(gateway, {"to": "+36301112233", "text": "A", "client_ref": "same"}).json()
    b = _post(gateway, {"to": "+36301112233", "text": "B", "client_ref": "same"}, OTHER_KEY).json()
    assert a["id"] != b["id"]
    # Another account's message is not there for this key.
    assert _get(f"{gateway}/{a['id']}", OTHER_KEY).status_code == 404


@pytest.mark.parametrize("key", ["", "rossz-kulcs"])
def test_needs_the_api_key(gateway: str, key: str) -> None:
    answer = _post(gateway, {"to": "+36301112233", "text": "x", "client_ref": "k"}, key)
    assert answer.status_code == 401 and "API-kulcs" in answer.json()["error"]
    assert not SmsMessage.objects.exists()


@pytest.mark.parametrize(
    "body,word",
    [
        ({"to": "nem szám", "text": "x", "client_ref": "a"}, "telefonszám"),
        ({"to": "+36301112233", "text": "", "client_ref": "a"}, "üres"),
        ({"to": "+36301112233", "text": "x"}, "client_ref"),
        ({"to": "+36301112233", "text": "x" * 1601, "client_ref": "a"}, "1600"),
    ],
)
def test_bad_requests_are_refused_in_hungarian(
    gateway: str, body: dict[str, Any], word: str
) -> None:
    answer = _post(gateway, body)
    assert answer.status_code == 400 and word in answer.json()["error"]
    assert not SmsMessage.objects.exists()


def test_fail_next_n_then_accepts(gateway: str) -> None:
    services.faults_set(fail_next=2, fail_share=0, lose_answer_next=0)
    body = {"to": "+36301112233", "text": "x", "client_ref": "f"}
    assert [_post(gateway, body).status_code for _ in range(3)] == [503, 503, 202]
    assert SmsMessage.objects.count() == 1


def test_fail_share_all(gateway: str) -> None:
    services.faults_set(fail_next=0, fail_share=1.0, lose_answer_next=0)
    answer = _post(gateway, {"to": "+36301112233", "text": "x", "client_ref": "s"})
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    assert not SmsMessage.objects.exists()


def test_lost_answer_then_retry_sends_once(gateway: str) -> None:
    services.faults_set(fail_next=0, fail_share=0, lose_answer_next=1)
    body = {"to": "+36301112233", "text": "Egyszer", "client_ref": "lost"}
    lost = _post(gateway, body)
    assert lost.status_code == 504
    retry = _post(gateway, body)
    assert retry.status_code == 200 and retry.json()["status"] == "accepted"
    assert SmsMessage.objects.count() == 1


def test_page_lists_text_segments_encoding_state(transactional_db: None) -> None:
    services.sms_seed_demo()
    account = services.account_by_key(KEY)
    assert account is not None
    services.message_submit(
        account=account, to="+36301112233", text="Emlékeztető: holnap 9 órakor", client_ref="p1"
    )
    services.message_submit(account=account, to="+36301112234", text="Holnap 9:00", client_ref="p2")
    page = Client().get(reverse("sms:list"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Emlékeztető: holnap 9 órakor" in html and "UCS-2" in html and "GSM-7" in html
    assert "Átvéve" in html and KEY in html and "OKTATÓ KÖRNYEZET" in html
    assert "a páciens telefonja helyett" in html


def test_page_fault_switch(transactional_db: None) -> None:
    client = Client()
    answer = client.post(
        reverse("sms:faults"), {"fail_next": "3", "fail_share": "10", "lose_answer_next": "1"}
    )
    assert answer.status_code == 302
    faults = services.faults_get()
    assert (faults.fail_next, faults.fail_share, faults.lose_answer_next) == (3, 0.1, 1)
    bad = client.post(
        reverse("sms:faults"), {"fail_next": "-1", "fail_share": "200", "lose_answer_next": "0"}
    )
    assert bad.status_code == 400
    assert services.faults_get().fail_next == 3  # nothing half-saved


def test_page_new_account_shows_its_key(transactional_db: None) -> None:
    client = Client()
    client.post(reverse("sms:account"), {"name": "Új Rendelő"})
    account = services.SmsAccount.objects.get(name="Új Rendelő")
    assert account.api_key in client.get(reverse("sms:list")).content.decode()


@pytest.mark.parametrize(
    "text,encoding,count",
    [
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("é ö ü É Ö Ü" + "a" * 149, "GSM-7", 1),
        ("€" * 80, "GSM-7", 1),
        ("€" * 81, "GSM-7", 2),
        ("ő" * 70, "UCS-2", 1),
        ("ű" + "a" * 70, "UCS-2", 2),
        ("á" * 134, "UCS-2", 2),
        ("á" * 135, "UCS-2", 3),
    ],
)
def test_segments(text: str, encoding: str, count: int) -> None:
    assert gsm.segments(text) == gsm.Segments(encoding, count)


def test_list_gives_the_account_its_messages_in_pages(
    gateway: str, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sandbox.sms import api

    monkeypatch.setattr(api, "LIST_PAGE", 2)
    for n in range(3):
        _post(gateway, {"to": "+36301112233", "text": f"Üzenet {n}", "client_ref": f"l{n}"})
    _post(gateway, {"to": "+36301112233", "text": "Üzenet 0", "client_ref": "l0"})  # again
    _post(gateway, {"to": "+36301112233", "text": "Másé", "client_ref": "l0"}, OTHER_KEY)
    first = _get(gateway).json()
    assert [m["client_ref"] for m in first["messages"]] == ["l0", "l1"] and first["more"]
    assert first["messages"][0]["submissions"] == 2
    assert [m["text"] for m in first["messages"]] == ["Üzenet 0", "Üzenet 1"]
    rest = _get(f"{gateway}?after={first['messages'][-1]['id']}").json()
    assert [m["client_ref"] for m in rest["messages"]] == ["l2"] and not rest["more"]
    # Another account's messages are not listed; the reports are settled when listed.
    assert [m["client_ref"] for m in _get(gateway, OTHER_KEY).json()["messages"]] == ["l0"]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(
        seconds=settings.SANDBOX_SMS_DELIVERY_SECONDS + 1
    )
    with time_machine.travel(later):
        assert {m["status"] for m in _get(gateway).json()["messages"]} == {"delivered"}
    assert _get(f"{gateway}?after=sms_nincs").status_code == 400
    assert _get(gateway, "rossz-kulcs").status_code == 401
