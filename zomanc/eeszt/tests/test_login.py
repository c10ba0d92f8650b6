"""EESZT login per user and company (S3) through the pages, against the real sandbox process:
card (SoftHSM signature), token, mobile token, their failures, lockout, logout."""

import base64
import datetime as dt
import re
import uuid

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from zomanc.audit.models import AuditAction, AuditEntry
from zomanc.eeszt.client import ekat
from zomanc.eeszt.client.errors import EesztLoginRequired
from zomanc.eeszt.client.wire import CallContext
from zomanc.eeszt.login.views import CHALLENGE_SESSION_KEY
from zomanc.eeszt.models import EesztMemberProfile, EesztSession, LoginMethod
from zomanc.eeszt.sessions import eeszt_session_active, eeszt_session_assertion
from zomanc.eeszt.tests.conftest import Live, fresh_otp

PASSWORD = "Sandbox-Demo-1"
NEXT = "/paciensek/?q=teszt"


def _profile(member, username):
    EesztMemberProfile.objects.update_or_create(
        member=member, defaults={"practice_id": member.practice_id, "portal_username": username}
    )


def _challenge(client, live: Live) -> bytes:
    url = reverse("eeszt:login_challenge", args=[live.personas.company_a.pk])
    response = client.post(url)
    assert response.status_code == 200, response.content
    return base64.b64decode(response.json()["challenge"])


def _card_post(client, live: Live, signature: bytes, certificate: bytes, **extra):
    return client.post(
        reverse("eeszt:login_card", args=[live.personas.company_a.pk]),
        {
            "signature": base64.b64encode(signature).decode(),
            "certificate": base64.b64encode(certificate).decode(),
            "algorithm": "RSA-PKCS1v15-SHA256",
            "next": NEXT,
            **extra,
        },
    )


def _token_post(client, live: Live, password: str, otp: str, next_url: str = NEXT):
    return client.post(
        reverse("eeszt:login_token", args=[live.personas.company_a.pk]),
        {"password": password, "otp": otp, "next": next_url},
    )


def _mobile_post(client, live: Live, otp: str):
    return client.post(
        reverse("eeszt:login_mobile", args=[live.personas.company_a.pk]),
        {"otp": otp, "next": NEXT},
    )


def _ctx(session: EesztSession, live: Live, role: str = "ORVOS") -> CallContext:
    return CallContext(
        user_id=session.eeszt_user_id,
        institution_id="506097",
        org_unit_id="001044299",
        role=role,
        assertion=eeszt_session_assertion(session),
    )


def test_card_login_end_to_end(live: Live):
    doctor = live.personas.doctor
    client = live.personas.client_for(doctor)
    page = client.get(reverse("eeszt:login"), {"company": live.personas.company_a.pk, "next": NEXT})
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-card-login" in html and "eeszt-login.js" in html
    assert "<script>" not in html  # CSP: no inline script
    nonce = _challenge(client, live)
    signature, certificate = live.card_sign("O58012", nonce)

    response = _card_post(client, live, signature, certificate)

    assert response.status_code == 302 and response["Location"] == NEXT
    session = eeszt_session_active(member=doctor, company=live.personas.company_a)
    assert session is not None
    assert (session.eeszt_user_id, session.login_method) == ("O58012", LoginMethod.CARD)
    # The stored assertion is accepted by EESZT for a business call.
    assert (
        ekat.event_query(
            live.conn, _ctx(session, live), patient=ekat.PatientRef("TAJ", "111111110")
        )
        is not None
    )
    entry = AuditEntry.objects.get(action=AuditAction.LOGIN, object_id=str(session.pk))
    assert "O58012" in entry.summary and "eSzemélyi" in entry.summary
    # The challenge is single use: the session no longer holds it.
    assert CHALLENGE_SESSION_KEY not in client.session


def test_card_login_resumes_the_doctors_waiting_reports(live: Live):
    from zomanc.clinical.services import visit_open
    from zomanc.eeszt.outbox.models import OutboxItem, OutboxState
    from zomanc.eeszt.outbox.services import outbox_item_deliver
    from zomanc.patients.models import IdType, Patient, Sex

    p = live.personas
    patient = Patient.objects.create(
        practice=p.practice_a,
        family_name="Teszt",
        given_name="Elek",
        sex=Sex.MALE,
        birth_date=dt.date(1970, 1, 1),
        id_type=IdType.TAJ,
        id_value="111111110",
    )
    visit = visit_open(
        patient=patient,
        doctor=p.doctor,
        company=p.company_a,
        org_unit=p.org_unit_a,
        opened_by=p.doctor.user,
    )
    item = OutboxItem.objects.get(visit=visit)
    outbox_item_deliver(item_id=item.pk)
    item.refresh_from_db()
    assert item.state == OutboxState.WAITING_LOGIN

    client = p.client_for(p.doctor)
    signature, certificate = live.card_sign("O58012", _challenge(client, live))
    assert _card_post(client, live, signature, certificate).status_code == 302

    item.refresh_from_db()
    assert item.state == OutboxState.PENDING
    outbox_item_deliver(item_id=item.pk)
    item.refresh_from_db()
    assert item.state == OutboxState.SENT
    # The sandbox outlives this test's database: leave no open event behind whose client
    # visit id (practice pk - visit pk) a later test's visit would reuse.
    session = eeszt_session_active(member=p.doctor, company=p.company_a)
    assert session is not None
    ekat.event_delete(
        live.conn,
        _ctx(session, live),
        request_id=str(uuid.uuid4()),
        event_id=item.result["event_id"],
        reason="teszt vége",
    )


def test_card_signature_of_something_else_is_refused(live: Live):
    client = live.personas.client_for(live.personas.doctor)
    _challenge(client, live)
    signature, certificate = live.card_sign("O58012", b"nem ez a kihivas")
    response = _card_post(client, live, signature, certificate)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-login-failure="AUTH_FAILED"' in html
    assert "nem fogadta el a kártyás bejelentkezést" in html
    assert not EesztSession.objects.exists()
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).count() == 1


def test_expired_challenge_is_told_without_asking_eeszt(live: Live):
    client = live.personas.client_for(live.personas.doctor)
    nonce = _challenge(client, live)
    signature, certificate = live.card_sign("O58012", nonce)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=3)):
        response = _card_post(client, live, signature, certificate)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-login-failure="CHALLENGE_EXPIRED"' in html and "lejárt" in html
    # Not sent to EESZT, so it did not count as a failed login there.
    assert not AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).exists()


def test_card_post_without_a_challenge(live: Live):
    client = live.personas.client_for(live.personas.doctor)
    response = _card_post(client, live, b"x", b"y")
    assert response.status_code == 400
    assert 'data-login-failure="CHALLENGE_EXPIRED"' in response.content.decode()


def test_token_login(live: Live):
    doctor2 = live.personas.doctor2  # O61234: password + token
    client = live.personas.client_for(doctor2)
    otp = fresh_otp(live.token_secret("O61234"))
    response = _token_post(client, live, PASSWORD, otp)
    assert response.status_code == 302 and response["Location"] == NEXT
    session = eeszt_session_active(member=doctor2, company=live.personas.company_a)
    assert session is not None and session.login_method == LoginMethod.TOKEN
    assert session.not_on_or_after <= timezone.now() + dt.timedelta(hours=7)


def test_mobile_token_login(live: Live):
    assistant = live.personas.assistant
    _profile(assistant, "ASSZ506097")
    client = live.personas.client_for(assistant)
    response = _mobile_post(client, live, fresh_otp(live.mobile_secret("ASSZ506097")))
    assert response.status_code == 302
    session = eeszt_session_active(member=assistant, company=live.personas.company_a)
    assert session is not None and session.eeszt_user_id == "ASSZ506097"
    # An assistant acts as EESZT_FELHASZNALO, the role his VMátrix grant has.
    assert (
        ekat.event_query(
            live.conn,
            _ctx(session, live, role="EESZT_FELHASZNALO"),
            patient=ekat.PatientRef("TAJ", "111111110"),
        )
        is not None
    )


def test_wrong_otp_is_explained_and_nothing_stored(live: Live):
    client = live.personas.client_for(live.personas.doctor2)
    response = _token_post(client, live, PASSWORD, "000000")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Hibás jelszó vagy token kód" in html
    assert PASSWORD not in html and 'value="000000"' not in html
    assert not EesztSession.objects.exists()
    failed = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert "AUTH_FAILED" in failed.summary and PASSWORD not in failed.summary


def test_otp_format_checked_before_eeszt(live: Live):
    client = live.personas.client_for(live.personas.doctor2)
    response = _token_post(client, live, PASSWORD, "12ab56")
    assert response.status_code == 400
    assert "A kód csak számjegyekből áll." in response.content.decode()
    assert not AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).exists()


def test_replayed_otp_is_refused_with_a_clear_message(live: Live):
    _profile(live.personas.assistant, "ASSZ506097")
    client = live.personas.client_for(live.personas.assistant)
    otp = fresh_otp(live.mobile_secret("ASSZ506097"))
    assert _mobile_post(client, live, otp).status_code == 302
    response = _mobile_post(client, live, otp)
    assert response.status_code == 400
    assert "már felhasznált mobiltoken kód" in response.content.decode()


def test_lockout_after_five_failures(live: Live):
    owner = live.personas.owner  # acting as the rights admin's user: nobody else logs him in
    _profile(owner, "JOGADMIN506097")
    client = live.personas.client_for(owner)
    for _ in range(5):
        response = _token_post(client, live, "Rossz-Jelszo-1", "123456")
        assert "Hibás jelszó vagy token kód" in response.content.decode()
    response = _token_post(client, live, PASSWORD, fresh_otp(live.token_secret("JOGADMIN506097")))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-login-failure="AUTH_LOCKED"' in html
    assert re.search(r"Próbálja újra kb\. \d+ perc múlva \(\d\d:\d\d után\)", html)
    assert not EesztSession.objects.exists()


def test_user_without_portal_username_is_sent_to_the_settings(live: Live):
    client = live.personas.client_for(live.personas.owner)  # no stamp, no profile
    response = _mobile_post(client, live, "123456")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-login-failure="NO_USER_ID"' in html
    assert reverse("eeszt:company_settings", args=[live.personas.company_a.pk]) in html


def test_logout_ends_the_login_at_eeszt_and_here(live: Live):
    client = live.personas.client_for(live.personas.doctor2)
    _token_post(client, live, PASSWORD, fresh_otp(live.token_secret("O61234")))
    session = EesztSession.objects.get(member=live.personas.doctor2)
    ctx = _ctx(session, live)

    response = client.post(reverse("eeszt:session_end", args=[session.pk]), {"next": NEXT})

    assert response.status_code == 302 and response["Location"] == NEXT
    session.refresh_from_db()
    assert session.ended_at is not None and session.assertion_secret_id is None
    with pytest.raises(EesztLoginRequired):
        ekat.event_query(live.conn, ctx, patient=ekat.PatientRef("TAJ", "111111110"))
    assert AuditEntry.objects.filter(action=AuditAction.LOGOUT).count() == 1


def test_header_offers_login_per_company_then_shows_who(live: Live):
    client = live.personas.client_for(live.personas.doctor2)
    html = client.get(reverse("core:home")).content.decode()
    login = reverse("eeszt:login")
    assert "EESZT: nincs bejelentkezve" in html
    assert f"{login}?company={live.personas.company_a.pk}&amp;next=" in html
    _token_post(client, live, PASSWORD, fresh_otp(live.token_secret("O61234")))
    html = client.get(reverse("core:home")).content.decode()
    assert "EESZT: O61234" in html and "nincs bejelentkezve" not in html


def test_unreachable_eeszt_is_said(live: Live, settings):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.EESZT_ENDPOINT = f"https://127.0.0.1:{port}"
    client = live.personas.client_for(live.personas.doctor2)
    response = _token_post(client, live, PASSWORD, "123456")
    assert response.status_code == 503
    assert "Az EESZT most nem érhető el" in response.content.decode()
    challenge = client.post(reverse("eeszt:login_challenge", args=[live.personas.company_a.pk]))
    assert challenge.status_code == 503 and "nem érhető el" in challenge.json()["message"]


def test_card_login_through_the_card_service_process(live: Live, tmp_path):
    """What the page's script does: challenge from our server → the workstation's card
    service (a real process on the sandbox's SoftHSM demo card) signs it after the PIN →
    the signature and certificate go to our server → CardLogin at the IDP."""
    import json
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    from zomanc.testing.sandbox import REPO

    conf, label, pin = live.sandbox.card("O58012")
    state = tmp_path / "cardservice"
    state.mkdir()
    (state / "pairing-token").write_text("teszt-parositas")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    origin = "http://testserver"  # the Django test client's host: the product's origin here
    env = {**os.environ, "SOFTHSM2_CONF": str(conf), "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zomanc.cardservice",
            "--port",
            str(port),
            "--origin",
            origin,
            "--token-label",
            label,
            "--state-dir",
            str(state),
        ],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        client = live.personas.client_for(live.personas.doctor)
        nonce = _challenge(client, live)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/sign",
            data=json.dumps({"challenge": base64.b64encode(nonce).decode(), "pin": pin}).encode(),
            method="POST",
            headers={
                "Origin": origin,
                "X-Zomanc-Pairing": "teszt-parositas",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(request, timeout=20) as answer:
            signed = json.loads(answer.read())
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    response = client.post(
        reverse("eeszt:login_card", args=[live.personas.company_a.pk]),
        {
            "signature": signed["signature"],
            "certificate": signed["certificate"],
            "algorithm": signed["algorithm"],
            "next": NEXT,
        },
    )
    assert response.status_code == 302 and response["Location"] == NEXT
    session = eeszt_session_active(member=live.personas.doctor, company=live.personas.company_a)
    assert session is not None and session.login_method == LoginMethod.CARD


def test_secrets_never_in_rows_or_logs(live: Live, caplog):
    """After card, token and mobile logins and failures: the password, the one-time codes, the
    card's signature and the assertion appear in no database row (the vault's ciphertext
    aside) and in no captured log line."""
    import logging

    from django.apps import apps
    from django.db import connection

    caplog.set_level(logging.DEBUG)
    p = live.personas
    _profile(p.assistant, "ASSZ506097")
    card_client = p.client_for(p.doctor)
    nonce = _challenge(card_client, live)
    signature, certificate = live.card_sign("O58012", nonce)
    assert _card_post(card_client, live, signature, certificate).status_code == 302
    token_otp = fresh_otp(live.token_secret("O61234"))
    token_client = p.client_for(p.doctor2)
    assert _token_post(token_client, live, "Rossz-Jelszo-99", "987654").status_code == 400
    assert _token_post(token_client, live, PASSWORD, token_otp).status_code == 302
    mobile_otp = fresh_otp(live.mobile_secret("ASSZ506097"))
    assert _mobile_post(p.client_for(p.assistant), live, mobile_otp).status_code == 302
    assertions = [eeszt_session_assertion(s) for s in EesztSession.objects.all()]
    assert len(assertions) == 3

    needles = [
        PASSWORD.encode(),
        b"Rossz-Jelszo-99",
        token_otp.encode(),
        mobile_otp.encode(),
        base64.b64encode(signature),
        signature[:32],
    ]
    for xml in assertions:
        needles += [xml[200:260], base64.b64encode(xml)[100:160]]
    dump = b""
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if model._meta.label == "eeszt.SealedSecret":
                continue  # the vault's AES-GCM ciphertext: what the others must not hold
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - table names from the models
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview | bytes):
                        dump += bytes(value)
                    elif value is not None:
                        dump += str(value).encode()
    assert b"O61234" in dump  # the scan saw the session and audit rows
    logs = caplog.text.encode()
    for needle in needles:
        assert needle not in dump, needle
        assert needle not in logs, needle
