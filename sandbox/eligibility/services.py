"""Insurance status ("TB-lámpa", domain doc): five colours by TAJ.

The colour of a seeded test patient is ``Patient.eligibility`` (deterministic, from the
seed). Any other TAJ with a valid check digit is an insured person (the register creates
it on first sight, colour ZOLD: sandbox.registry.register). The reserved "not found" TAJ
answers BARNA — the colour NEAK uses for "TAJ not valid in the insurance register" —
rather than a fault, because that is what the real check tells a practice about an
unknown number. A TAJ whose check digit is wrong is refused (TAJ_INVALID): a typing error.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from sandbox.registry.models import Patient
from sandbox.registry.register import patient_register
from sandbox.registry.validators import taj_is_valid
from sandbox.soap.errors import SoapFault

COLOURS: dict[str, str] = {
    "ZOLD": "Zöld: érvényes jogviszony",
    "PIROS": "Piros: rendezetlen jogviszony — az ellátás nem tagadható meg",
    "KEK": "Kék: másik EGT-államban biztosított",
    "BARNA": "Barna: a TAJ szám nem érvényes — az ellátás térítésköteles",
    "SARGA": "Sárga: korlátozott — fogászati ellátás csak sürgősséggel, közfinanszírozásban",
}


@dataclass(frozen=True)
class Eligibility:
    taj: str
    colour: str
    label: str
    known: bool


def eligibility_check(*, taj: str) -> Eligibility:
    if not taj_is_valid(taj):
        raise SoapFault("TAJ_INVALID", f"A(z) {taj} TAJ szám érvénytelen.", element="taj")
    patient = patient_register(taj=taj)
    colour = patient.eligibility if patient is not None else "BARNA"
    if colour not in COLOURS:
        colour = "BARNA"
    return Eligibility(taj=taj, colour=colour, label=COLOURS[colour], known=patient is not None)


@transaction.atomic
def eligibility_set(*, patient: Patient, colour: str) -> Patient:
    """Portal test data: change a test patient's colour."""
    if colour not in COLOURS:
        raise ValidationError({"colour": f"Ismeretlen szín: {colour}."})
    patient.eligibility = colour
    patient.save(update_fields=["eligibility"])
    return patient
