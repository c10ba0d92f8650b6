"""Stable fault codes (contract §9) with their Hungarian default messages.

The client maps each code to: retry later, log in again, or a business refusal — so the
codes never change meaning; the messages may be improved freely.
"""

from __future__ import annotations

from collections.abc import Callable

# code -> (SOAP 1.2 fault class, Hungarian default message). HTTP status follows the SOAP 1.2
# HTTP binding: Sender -> 400, Receiver -> 500.
FAULT_CODES: dict[str, tuple[str, str]] = {
    "SCHEMA_INVALID": ("Sender", "A kérés nem felel meg a szolgáltatás sémájának."),
    "AUTH_CERT_INVALID": ("Sender", "A tanúsítvány érvénytelen, visszavont vagy ismeretlen."),
    "AUTH_ASSERTION_INVALID": ("Sender", "A bejelentkezési igazolás (SAML) érvénytelen."),
    "AUTH_SESSION_EXPIRED": ("Sender", "Az EESZT munkamenet lejárt, jelentkezzen be újra."),
    "AUTH_FAILED": ("Sender", "Sikertelen bejelentkezés."),
    "AUTH_LOCKED": ("Sender", "Túl sok sikertelen bejelentkezés: a felhasználó 15 percre zárolva."),
    "CONTEXT_NOT_PERMITTED": (
        "Sender",
        "A felhasználó nem járhat el ebben az intézményi környezetben.",
    ),
    "ROLE_MISSING": ("Sender", "A felhasználónak nincs ehhez szükséges szerepköre (VMátrix)."),
    "TAJ_INVALID": ("Sender", "A TAJ szám érvénytelen (ellenőrző számjegy)."),
    "PATIENT_NOT_FOUND": ("Sender", "A beteg nem található."),
    "PATIENT_DECEASED": ("Sender", "A beteg elhunyt: új ellátás nem jelenthető."),
    "EVENT_NOT_FOUND": ("Sender", "Nincs ilyen eKAT esemény."),
    "DOCUMENT_NOT_FOUND": ("Sender", "Nincs ilyen dokumentum vagy verzió."),
    "REFERRAL_NOT_FOUND": ("Sender", "Nincs ilyen beutaló."),
    "PROFILE_ENTRY_NOT_FOUND": ("Sender", "Nincs ilyen eProfil bejegyzés."),
    "STAMP_UNKNOWN": ("Sender", "Ismeretlen orvosi pecsétszám."),
    "CODE_UNKNOWN": ("Sender", "Ismeretlen vagy nem érvényes kód."),
    "NO_TREATMENT_RELATIONSHIP": ("Sender", "Nincs kezelési kapcsolat a beteggel."),
    "DENIED_BY_SELF_DETERMINATION": ("Sender", "A beteg önrendelkezése megtiltja a hozzáférést."),
    "SENSITIVE_CATEGORY": (
        "Sender",
        "Különösen érzékeny adat: csak az adott szakterület kezelőorvosa láthatja.",
    ),
    "BREAKGLASS_REASON_REQUIRED": ("Sender", "Sürgősségi hozzáféréshez ok és indoklás szükséges."),
    "EVENT_NOT_OPEN": ("Sender", "Az esemény nincs nyitott állapotban."),
    "EVENT_DEADLINE_PASSED": ("Sender", "A bejelentési / javítási határidő lejárt."),
    "NOT_OWNER": ("Sender", "Csak a bejelentő intézmény módosíthatja."),
    "VERSION_CONFLICT": ("Sender", "Az adatot időközben más módosította (verzióütközés)."),
    "BODY_MISMATCH": ("Sender", "A dokumentum tartalma nem egyezik a kísérő adatokkal."),
    "DUPLICATE_REQUEST_CONFLICT": (
        "Sender",
        "Ez a kérésazonosító már egy másik tartalmú kéréshez tartozik.",
    ),
    "PROFILE_FORBIDDEN": ("Sender", "A beteg megtiltotta az eProfil használatát."),
    "REFERRAL_EXPIRED": ("Sender", "A beutaló lejárt (90 nap)."),
    "REFERRAL_ALREADY_USED": ("Sender", "A beutalót már felhasználták."),
    "REFERRAL_REVOKED": ("Sender", "A beutalót visszavonták."),
    "REFERRAL_WRONG_TARGET": ("Sender", "A beutaló más szakmára vagy intézménybe szól."),
    "BOOKING_CONFLICT": ("Sender", "Ugyanarra a szakmára már van foglalás."),
    "TIME_IN_FUTURE": (
        "Sender",
        "Az időpont a jövőben van (a megengedett óraeltérésen túl): ellenőrizze a gép óráját.",
    ),
    "CARE_PROFILE_MISMATCH": (
        "Sender",
        "Az ellátási forma vagy a szakma nem illik a szervezeti egység nyilvántartott profiljához.",
    ),
    "RESPONSIBLE_NOT_PERMITTED": (
        "Sender",
        "A felelős orvosnak nincs jogosultsága ennél az intézménynél (VMátrix).",
    ),
    # SOAP 1.2 processing model (Part 1 §5.4.8): the fault class is the code itself.
    "VERSION_MISMATCH": (
        "VersionMismatch",
        "Nem SOAP 1.2 boríték: a szolgáltatás csak SOAP 1.2-t (http://www.w3.org/2003/05/"
        "soap-envelope) fogad.",
    ),
    "MUST_UNDERSTAND": (
        "MustUnderstand",
        "A kérés olyan kötelezően értelmezendő (mustUnderstand) fejlécet tartalmaz, amelyet a "
        "szolgáltatás nem ismer.",
    ),
    "UNSUPPORTED_MEDIA_TYPE": (
        "Sender",
        "A Content-Type csak application/soap+xml lehet (SOAP 1.2 HTTP kötés).",
    ),
    "MESSAGE_TOO_LARGE": ("Sender", "A kérés túl nagy."),
    "SERVICE_UNAVAILABLE": (
        "Receiver",
        "A szolgáltatás átmenetileg nem érhető el, próbálja újra később.",
    ),
}


class SoapFault(Exception):
    """Raise from anywhere in a handler: becomes a SOAP 1.2 fault with a stable code."""

    def __init__(
        self,
        code: str,
        message: str | None = None,
        *,
        element: str | None = None,
        not_understood: list[str] | None = None,
    ):
        if code not in FAULT_CODES:
            raise ValueError(f"unknown fault code {code}")
        self.code = code
        self.message = message or FAULT_CODES[code][1]
        self.element = element
        # Clark names of the header blocks a MUST_UNDERSTAND fault names (env:NotUnderstood).
        self.not_understood = not_understood or []
        # Writes that must outlive the rolled-back call — the access log entry of a refused
        # read (law: refused attempts are logged too). The pipeline runs them after the
        # handler's transaction has been undone.
        self.after_rollback: list[Callable[[], object]] = []
        super().__init__(f"{code}: {self.message}")

    @property
    def soap_class(self) -> str:
        return FAULT_CODES[self.code][0]

    @property
    def http_status(self) -> int:
        # SOAP 1.2 HTTP binding (Part 2 §7.5.2): Sender -> 400, every other class -> 500;
        # except the transport's own refusals (media type 415, size 413).
        return {"UNSUPPORTED_MEDIA_TYPE": 415, "MESSAGE_TOO_LARGE": 413}.get(
            self.code, 400 if self.soap_class == "Sender" else 500
        )
