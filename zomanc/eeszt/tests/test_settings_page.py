"""Beállítások / EESZT as the browser trial saw it (issue 12 items 3, 8, 9): a refused upload
announced at the top, the users table and the checklist agreeing on login methods, stale
warnings of deactivated org units gone, no double full stop, no browser numbering over the
guide's own step numbers."""

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from zomanc.conftest import Personas


def _summary(html: str) -> str:
    main = html[html.index('<main id="main">') :]
    assert main.startswith('<main id="main"><div class="alert alert-refused error-summary"')
    match = re.search(r'<div class="alert alert-refused error-summary"[^>]*>.*?</div>', main, re.S)
    assert match
    return match.group(0)


def test_refused_certificate_upload_has_the_summary_at_the_top(
    personas: Personas, test_pki, ca_bundle
) -> None:
    client = personas.client_for(personas.owner)
    url = reverse("eeszt:certificate_upload", args=[personas.company_a.pk])
    data = test_pki.p12(test_pki.issue())
    response = client.post(url, {"file": SimpleUploadedFile("c.p12", data), "sms_code": "rossz"})
    assert response.status_code == 400
    summary = _summary(response.content.decode())
    # The wrong code is the code's error: the link goes to the SMS code box.
    assert (
        '<a href="#id_sms_code" data-error-link>SMS kód: A megadott SMS kód nem nyitja' in summary
    )


def _settings_html(personas: Personas) -> str:
    client = personas.client_for(personas.owner)
    response = client.get(reverse("eeszt:company_settings", args=[personas.company_a.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_users_table_and_checklist_agree_on_a_login_method_known_from_a_login(
    personas: Personas,
) -> None:
    """The doctor logged in with his mobile token but never chose a method in the table: the
    checklist called his method known while the table showed "— nincs kiválasztva —"."""
    import datetime as dt

    from django.utils import timezone

    from zomanc.eeszt.sessions import eeszt_session_store
    from zomanc.eeszt.setup.selectors import eeszt_checklist, eeszt_users

    doctor = personas.doctor
    eeszt_session_store(
        member=doctor,
        company=personas.company_a,
        assertion=b"<a/>",
        assertion_id="_x",
        eeszt_user_id=f"O{doctor.stamp_number}",
        not_on_or_after=timezone.now() + dt.timedelta(hours=1),
        login_method="mobile",
    )
    row = next(u for u in eeszt_users(company=personas.company_a) if u.member == doctor)
    assert row.login_method == "mobile" and row.login_method_label == "Mobil token"
    step9 = next(i for i in eeszt_checklist(company=personas.company_a) if i.step == "9")
    line = next(x for x in step9.details if doctor.display_name in x)
    assert "Mobil token" in line
    html = _settings_html(personas)
    select = re.search(rf'<select name="m{doctor.pk}-login_method".*?</select>', html, re.S)
    assert select
    assert '<option value="mobile" selected>Mobil token</option>' in select.group(0)


def test_checklist_has_no_double_full_stop_nor_double_numbers(
    personas: Personas, test_pki, ca_bundle
) -> None:
    from zomanc.eeszt.setup.selectors import eeszt_checklist
    from zomanc.eeszt.setup.services import eeszt_certificate_upload
    from zomanc.eeszt.tests.conftest import SMS_CODE

    eeszt_certificate_upload(
        company=personas.company_a,
        actor=personas.owner,
        data=test_pki.p12(test_pki.issue()),
        password=SMS_CODE,
    )
    items = eeszt_checklist(company=personas.company_a)
    cert = next(i for i in items if i.step == "6")
    assert cert.state == "done" and re.fullmatch(
        r"Érvényes eddig: \d{4}\.\d\d\.\d\d\.", cert.detail
    )
    for item in items:
        assert ".." not in item.detail, item.detail
    html = _settings_html(personas)
    # The steps carry the guide's own numbers: no <ol> numbering in front of them.
    assert '<ol class="eeszt-checklist">' not in html
    assert '<ul class="eeszt-checklist">' in html


def test_checklist_states_are_colour_icon_and_word(personas: Personas) -> None:
    html = _settings_html(personas)
    checklist = html[html.index('<ul class="eeszt-checklist">') :]
    assert re.search(
        r'<li class="check-missing">\s*<strong>6\. SSL tanúsítvány</strong>\s*'
        r'<span class="check-state badge"><span class="state-icon" aria-hidden="true"></span>'
        r"<span data-cardservice-state>hiányzik</span></span>",
        checklist,
    )


def test_connection_test_stages_are_badges() -> None:
    from django.template.loader import render_to_string
    from django.utils import translation

    stages = [
        {"key": "tls", "label": "TLS", "state": "ok", "reason": "", "details": []},
        {"key": "login", "label": "Belépés", "state": "failed", "reason": "x", "details": []},
        {"key": "rights", "label": "Jogok", "state": "skipped", "reason": "", "details": []},
    ]
    with translation.override("hu"):
        html = render_to_string("eeszt/_stages.html", {"stages": stages})
    icon = '<span class="state-icon" aria-hidden="true"></span>'
    assert f'<span class="badge state-ok">{icon}rendben</span>' in html
    assert f'<span class="badge state-refused">{icon}hiba</span>' in html
    assert f'<span class="badge state-pending">{icon}nem ellenőrzött</span>' in html
