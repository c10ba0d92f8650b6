"""The NAV portal pages: operator login required, taxpayer registration (check digit),
technical users with secrets shown once, invoices with results and warnings, annulment
approval, rejected requests, the NAV fault switch."""

from __future__ import annotations

import dataclasses

import pytest
from django.test import Client
from django.urls import reverse

from sandbox.faults.models import FaultRule
from sandbox.nav import crypto
from sandbox.nav.models import Report, Taxpayer, TechnicalUser
from sandbox.nav.tests import contract_client as cc
from sandbox.nav.tests.conftest import today
from sandbox.portal.session import KEY_OPERATOR


@pytest.fixture
def operator(client: Client, nav_seeded: None) -> Client:
    session = client.session
    session[KEY_OPERATOR] = True
    session.save()
    return client


def test_pages_require_the_operator(client: Client, nav_seeded: None) -> None:
    for url in (
        reverse("nav:home"),
        reverse("nav:taxpayer_register"),
        reverse("nav:taxpayer", args=["24681353"]),
        reverse("nav:invoices", args=["24681353"]),
        reverse("nav:rejected", args=["24681353"]),
        reverse("nav:annulments", args=["24681353"]),
        reverse("nav:operator"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("portal:operator_login"))
    client.post(reverse("nav:user_create", args=["24681353"]))
    assert TechnicalUser.objects.count() == 2  # the seed's, nothing new


def test_home_lists_the_demo_taxpayers(operator: Client) -> None:
    page = operator.get(reverse("nav:home")).content.decode()
    assert "Mosoly Fogászat Kft." in page and "Gyöngy Fogászat Bt." in page


def test_register_taxpayer_checks_the_check_digit(operator: Client) -> None:
    form = {
        "tax_number": "12345678-2-42",
        "name": "Teszt Kft.",
        "postal_code": "1000",
        "city": "Budapest",
        "street_name": "Fő",
        "public_place_category": "utca",
        "number": "1",
    }
    bad = operator.post(reverse("nav:taxpayer_register"), form)
    assert bad.status_code == 400
    assert "ellenőrző számjegye hibás" in bad.content.decode()
    assert not Taxpayer.objects.filter(name="Teszt Kft.").exists()
    assert crypto.check_digit_valid("12345676")
    ok = operator.post(reverse("nav:taxpayer_register"), {**form, "tax_number": "12345676-2-42"})
    assert ok.status_code == 302
    taxpayer = Taxpayer.objects.get(tax_number="12345676")
    assert (taxpayer.vat_code, taxpayer.county_code) == ("2", "42")
    again = operator.post(reverse("nav:taxpayer_register"), {**form, "tax_number": "12345676"})
    assert again.status_code == 400 and "már regisztrálva" in again.content.decode()


def test_bad_tax_number_format(operator: Client) -> None:
    response = operator.post(reverse("nav:taxpayer_register"), {"tax_number": "1234", "name": "X"})
    assert response.status_code == 400 and "12345678-1-42" in response.content.decode()


def test_check_digit() -> None:
    assert crypto.check_digit_valid("24681353") and crypto.check_digit_valid("13579241")
    assert not crypto.check_digit_valid("24681354")
    assert not crypto.check_digit_valid("2468135") and not crypto.check_digit_valid("2468135a")


def test_new_technical_user_secrets_are_shown_once_and_work(operator: Client, post) -> None:
    response = operator.post(reverse("nav:user_create", args=["24681353"]))
    assert response.status_code == 302
    page = operator.get(response["Location"]).content.decode()
    user = TechnicalUser.objects.exclude(login__endswith="demo01").get()
    assert user.login in page and user.signature_key in page and user.exchange_key in page
    password = page.split("<dt>Jelszó</dt><dd><code>")[1].split("</code>")[0]
    assert crypto.password_hash(password) == user.password_hash
    assert password not in operator.get(response["Location"]).content.decode()  # once
    who = cc.Credentials(user.login, password, "24681353", user.signature_key, user.exchange_key)
    assert post("tokenExchange", cc.request("tokenExchange", who)).status == 200


def test_invoices_page_shows_results_and_warnings(operator: Client, creds, submit) -> None:
    submit(
        creds,
        [
            (
                "CREATE",
                cc.b2c_invoice(supplier=creds.tax_number, number="PG-1", issue=today(), net=10000),
            )
        ],
    )
    data = cc.b2c_invoice(supplier=creds.tax_number, number="PG-2", issue=today()).replace(
        b"<invoiceNetAmount>10000</invoiceNetAmount>", b"<invoiceNetAmount>12000</invoiceNetAmount>"
    )
    submit(creds, [("CREATE", data)])
    page = operator.get(reverse("nav:invoices", args=[creds.tax_number])).content.decode()
    assert "PG-1" in page and "PG-2" in page
    assert "INCORRECT_SUMMARY_CALCULATION_INVOICE_NET_AMOUNT" in page
    assert "Kész" in page
    # States and validation lines carry colour + icon + word (portal.css badges, results).
    assert '<span class="badge badge-ok">Kész</span>' in page
    assert 'class="result result-warn"' in page


def test_invoices_of_another_taxpayer_are_not_listed(
    operator: Client, creds, other_creds, submit
) -> None:
    submit(
        creds,
        [("CREATE", cc.b2c_invoice(supplier=creds.tax_number, number="MINE-1", issue=today()))],
    )
    page = operator.get(reverse("nav:invoices", args=[other_creds.tax_number])).content.decode()
    assert "MINE-1" not in page


def test_annulment_is_approved_on_the_portal(operator: Client, creds, submit, post, token) -> None:
    from sandbox.nav.tests.test_queries import annulment

    submit(
        creds, [("CREATE", cc.b2c_invoice(supplier=creds.tax_number, number="PA-1", issue=today()))]
    )
    body = cc.manage_annulment_body(token(creds), [annulment("PA-1")])
    post("manageAnnulment", cc.request("manageAnnulment", creds, body))
    page = operator.get(reverse("nav:annulments", args=[creds.tax_number])).content.decode()
    assert '<span class="badge badge-warn">Jóváhagyásra vár</span>' in page
    report = Report.objects.get(operation="ANNUL")
    response = operator.post(
        reverse("nav:annulment_decide", args=[report.pk]), {"decision": "approve"}
    )
    assert response.status_code == 302
    assert Report.objects.get(invoice_number="PA-1", operation="CREATE").annulled
    approved = operator.get(reverse("nav:annulments", args=[creds.tax_number])).content.decode()
    assert '<span class="badge badge-ok">Jóváhagyva</span>' in approved
    again = operator.post(
        reverse("nav:annulment_decide", args=[report.pk]), {"decision": "reject"}, follow=True
    )
    assert "nem vár jóváhagyásra" in again.content.decode()


def test_rejected_requests_with_reasons(operator: Client, creds, post) -> None:
    post("tokenExchange", cc.request("tokenExchange", dataclasses.replace(creds, password="rossz")))
    page = operator.get(reverse("nav:rejected", args=[creds.tax_number])).content.decode()
    assert "INVALID_SECURITY_USER" in page and "Helytelen authentikációs adatok!" in page


def test_operator_switches_nav_faults(operator: Client, creds, post) -> None:
    form = {
        "latency_ms": "0",
        "share_http_503": "0",
        "share_unavailable_fault": "100",
        "share_drop": "0",
        "share_hang": "0",
        "hang_seconds": "30",
        "maintenance_minutes": "0",
    }
    assert operator.post(reverse("nav:operator"), form).status_code == 302
    assert FaultRule.objects.get(service="nav").share_unavailable_fault == 1.0
    assert post("tokenExchange", cc.request("tokenExchange", creds)).code == "OPERATION_FAILED"
    operator.post(
        reverse("nav:operator"),
        {**form, "share_unavailable_fault": "0", "maintenance_minutes": "5"},
    )
    assert post("tokenExchange", cc.request("tokenExchange", creds)).code == "MAINTENANCE_MODE"
    operator.post(reverse("nav:operator"), {"clear": "1"})
    assert post("tokenExchange", cc.request("tokenExchange", creds)).status == 200
    bad = operator.post(reverse("nav:operator"), {**form, "share_drop": "150"})
    assert bad.status_code == 400
