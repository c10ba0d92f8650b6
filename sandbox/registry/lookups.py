"""Lookups that answer a SOAP call with the contract's refusal codes."""

from __future__ import annotations

from sandbox.registry.models import Doctor, IdType, Patient
from sandbox.registry.register import Identity, patient_register
from sandbox.registry.selectors import doctor_get, patient_get
from sandbox.registry.validators import taj_is_valid
from sandbox.soap.errors import SoapFault


def patient_resolve(*, id_type: str, id_value: str, identity: Identity | None = None) -> Patient:
    """The patient a request names. Any valid TAJ is an insured person (created on first
    sight, see sandbox.registry.register); other id types only if the sandbox knows them."""
    if id_type == IdType.TAJ and not taj_is_valid(id_value):
        raise SoapFault("TAJ_INVALID", f"A(z) {id_value} TAJ szám érvénytelen.", element="id")
    if id_type == IdType.TAJ:
        patient = patient_register(taj=id_value, identity=identity)
    else:
        patient = patient_get(id_type=id_type, id_value=id_value)
    if patient is None:
        raise SoapFault("PATIENT_NOT_FOUND", f"Nincs ilyen beteg: {id_type} {id_value}.")
    return patient


def doctor_resolve(*, stamp: str) -> Doctor:
    doctor = doctor_get(stamp=stamp)
    if doctor is None:
        raise SoapFault(
            "STAMP_UNKNOWN", f"A(z) {stamp} pecsétszám nem szerepel az orvosi törzsben."
        )
    return doctor
