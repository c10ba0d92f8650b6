"""Billing fixtures (imported by the billing and NAV tests' conftests): the personas'
companies with billing data and NAV technical users of the real NAV sandbox (a fresh
invoice prefix per test: the sandbox outlives each test's database and remembers every
number it was sent)."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from zomanc.clinical.models import Visit, VisitProcedure, VisitStatus
from zomanc.codes.models import TreatmentItem
from zomanc.conftest import Personas
from zomanc.nav.services import nav_settings_save
from zomanc.nav.tests.fixtures import NavSandbox
from zomanc.patients.models import Patient
from zomanc.patients.tests.factories import make_patient


@pytest.fixture
def billing(personas: Personas, settings: Any, nav_sandbox: NavSandbox, tmp_path: Any) -> Personas:
    ca = tmp_path / "nav-ca.pem"
    ca.write_bytes(nav_sandbox.ca_pem)
    settings.NAV_ENDPOINT = nav_sandbox.endpoint
    settings.NAV_CA_BUNDLE = str(ca)
    settings.NAV_STATUS_POLL_SECONDS = 0
    settings.NAV_OUTBOX_BACKOFF_SECONDS = 0
    for company, tax in (
        (personas.company_a, "24681353-2-41"),
        (personas.company_b, "13579241-1-13"),
    ):
        company.tax_number = tax
        company.postal_code, company.city, company.street_address = (
            "1051",
            "Budapest",
            "Nádor u. 12.",
        )
        company.bank_account = "11773016-11111111-00000000"
        company.invoice_prefix = "T" + secrets.token_hex(3).upper()
        company.save()
        creds = nav_sandbox.users[tax][1]
        nav_settings_save(
            company=company,
            login=creds.login,
            password=creds.password,
            signature_key=creds.signature_key,
            exchange_key=creds.exchange_key,
            actor=None,
        )
    return personas


@pytest.fixture
def patient(billing: Personas) -> Patient:
    return make_patient(billing.receptionist)


def make_visit(
    personas: Personas, patient: Patient, items: list[tuple[str, int, str]], *, closed: bool = True
) -> Visit:
    now = timezone.now()
    visit = Visit.objects.create(
        practice=personas.practice_a,
        patient=patient,
        doctor=personas.doctor,
        company=personas.company_a,
        org_unit=personas.org_unit_a,
        started_at=now - dt.timedelta(hours=1),
        closed_at=now if closed else None,
        status=VisitStatus.CLOSED if closed else VisitStatus.OPEN,
        opened_by=personas.doctor.user,
        closed_by=personas.doctor.user if closed else None,
    )
    for name, price, vat in items:
        item = TreatmentItem.objects.create(
            practice=personas.practice_a, name=name, price=Decimal(price), vat_rate=vat
        )
        VisitProcedure.objects.create(
            practice=personas.practice_a,
            visit=visit,
            treatment=item,
            name=name,
            tooth=36,
            unit_price=Decimal(price),
            vat_rate=vat,
        )
    return visit
