"""Request and response shapes of the JSON API. Field limits mirror the model so that an
oversized or malformed value is a 422 with its field named, never a database error."""

import datetime
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

# No control characters (PostgreSQL refuses NUL in text; the rest is never legitimate in a
# name or address) and no lone surrogates (not encodable as UTF-8).
SAFE_TEXT = r"^[^\x00-\x1F\x7F]*$"

Sex = Literal["M", "F", "U"]
IdType = Literal["TAJ", "PASSPORT", "EU_CARD", "OTHER", "UNKNOWN"]
Name = Annotated[str, Field(min_length=1, max_length=100, pattern=SAFE_TEXT)]
Text100 = Annotated[str, Field(max_length=100, pattern=SAFE_TEXT)]
Text200 = Annotated[str, Field(max_length=200, pattern=SAFE_TEXT)]
Country = Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")]
Phone = Annotated[str, Field(max_length=40, pattern=SAFE_TEXT)]
Email = Annotated[str, Field(max_length=254, pattern=SAFE_TEXT)]
PostalCode = Annotated[str, Field(max_length=10, pattern=SAFE_TEXT)]
IdValue = Annotated[
    str,
    Field(
        max_length=40,
        pattern=SAFE_TEXT,
        description=(
            "TAJ: 9 számjegy (szóköz, kötőjel megengedett). PASSPORT: útlevélszám + ICAO "
            "ellenőrző számjegy (pl. L898902C36). EU_CARD: legfeljebb 20 betű/számjegy. "
            "UNKNOWN: üres."
        ),
    ),
]


class PatientIn(Schema):
    # Unknown fields are refused (a typo must not silently do nothing), and so is any body
    # that is not a JSON object (ninja would otherwise read attributes off a list).
    model_config = ConfigDict(extra="forbid")

    family_name: Name
    given_name: Name
    sex: Sex
    birth_date: datetime.date
    birth_family_name: Text100 = ""
    birth_given_name: Text100 = ""
    birth_place: Text100 = ""
    mother_name: Text200 = ""
    postal_code: PostalCode = ""
    city: Text100 = ""
    street_address: Text200 = ""
    country: Country = "HU"
    phone: Phone = ""
    email: Email = ""
    id_type: IdType = "TAJ"
    id_value: IdValue = ""


def _no_nulls(schema: dict[str, Any]) -> None:
    """The schema says what the validator enforces: a field may be left out, never null."""
    for prop in schema.get("properties", {}).values():
        options = [o for o in prop.pop("anyOf", []) if o.get("type") != "null"]
        if len(options) == 1:
            prop.update(options[0])
        elif options:
            prop["anyOf"] = options
        if prop.get("default", "") is None:
            del prop["default"]


class PatientPatch(Schema):
    """Partial update: only the fields sent are changed. A field sent as null is refused
    (422): "null" could mean "clear it" or "leave it", and a silent no-op answering 200 let
    a client believe it had cleared a name."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_no_nulls)

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_null(cls, value: object, info: ValidationInfo) -> object:
        if value is None:
            raise PydanticCustomError(
                "null_not_allowed",
                _("A mező nem lehet null: hagyja ki a kérésből, ha nem változik."),
            )
        return value

    family_name: Name | None = None
    given_name: Name | None = None
    sex: Sex | None = None
    birth_date: datetime.date | None = None
    birth_family_name: Text100 | None = None
    birth_given_name: Text100 | None = None
    birth_place: Text100 | None = None
    mother_name: Text200 | None = None
    postal_code: PostalCode | None = None
    city: Text100 | None = None
    street_address: Text200 | None = None
    country: Country | None = None
    phone: Phone | None = None
    email: Email | None = None
    id_type: IdType | None = None
    id_value: IdValue | None = None


class PatientOut(Schema):
    id: int
    family_name: str
    given_name: str
    sex: Sex
    birth_date: datetime.date
    birth_family_name: str
    birth_given_name: str
    birth_place: str
    mother_name: str
    postal_code: str
    city: str
    street_address: str
    country: str
    phone: str
    email: str
    id_type: IdType
    id_value: str = Field(description="Tárolt alak: TAJ 9 számjegy, más azonosító nagybetűvel.")
    id_value_display: str = Field(description="Megjelenítési alak, TAJ: 123 456 788.")
    created_at: datetime.datetime
    updated_at: datetime.datetime


class PatientPageOut(Schema):
    items: list[PatientOut]
    page: int
    page_size: int
    has_next: bool


class FieldErrorOut(Schema):
    field: str = Field(description="A hibás mező neve (vagy üres, ha az egész kérésre vonatkozik).")
    message: str
    code: str


class ErrorOut(Schema):
    code: str = Field(
        description=(
            "unauthorized | forbidden | not_found | duplicate_identifier | malformed_body | "
            "body_too_large | validation_error | bad_request"
        )
    )
    message: str
    errors: list[FieldErrorOut] = []
    existing_patient_id: int | None = Field(
        None, description="409 duplicate_identifier: a már meglévő páciens azonosítója."
    )
    existing_patient_url: str | None = Field(
        None, description="409 duplicate_identifier: a már meglévő páciens API címe."
    )
