"""Patients of a practice, with their natural identity data and identifier (TAJ or other)."""

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zomanc.practices.models import Practice


class Sex(models.TextChoices):
    MALE = "M", _("férfi")
    FEMALE = "F", _("nő")
    UNKNOWN = "U", _("ismeretlen")


class IdType(models.TextChoices):
    TAJ = "TAJ", _("TAJ szám")
    PASSPORT = "PASSPORT", _("útlevél")
    EU_CARD = "EU_CARD", _("európai egészségbiztosítási kártya")
    OTHER = "OTHER", _("egyéb azonosító")
    UNKNOWN = "UNKNOWN", _("nincs azonosító")


class Patient(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="patients")
    family_name = models.CharField(_("családi név"), max_length=100)
    given_name = models.CharField(_("utónév"), max_length=100)
    birth_family_name = models.CharField(_("születési családi név"), max_length=100, blank=True)
    birth_given_name = models.CharField(_("születési utónév"), max_length=100, blank=True)
    sex = models.CharField(_("nem"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("születési dátum"))
    birth_place = models.CharField(_("születési hely"), max_length=100, blank=True)
    mother_name = models.CharField(_("anyja születési neve"), max_length=200, blank=True)
    postal_code = models.CharField(_("irányítószám"), max_length=10, blank=True)
    city = models.CharField(_("település"), max_length=100, blank=True)
    street_address = models.CharField(_("utca, házszám"), max_length=200, blank=True)
    country = models.CharField(_("ország"), max_length=2, default="HU")
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    id_type = models.CharField(
        _("azonosító típusa"), max_length=10, choices=IdType.choices, default=IdType.TAJ
    )
    # Stored normalised: 9 digits for TAJ, upper case without spaces for the others.
    id_value = models.CharField(_("azonosító"), max_length=40, blank=True)

    # Accent-free, lower-case "family given" (and the birth name) for prefix search.
    search_name = models.CharField(max_length=420, editable=False, db_index=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("páciens")
        verbose_name_plural = _("páciensek")
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "id_type", "id_value"],
                condition=~Q(id_value=""),
                name="patient_unique_identifier",
            )
        ]
        indexes = [
            # `id` last: the index then yields the list's order (search_name, id) itself, so a
            # page of a common prefix ("kov": 15,000 of 1M) stops after 26 rows instead of
            # reading and sorting all of them on PostgreSQL (bench: p95 75 ms → see
            # docs/benchmarks.md). SQLite's indexes end in the rowid anyway.
            models.Index(fields=["practice", "search_name", "id"], name="patient_search_name"),
            models.Index(fields=["practice", "id_value"], name="patient_id_value"),
            # The list's order after the date: a day's page (27 patients a day at 1M) comes
            # out of the index in order, with no sort of the day's rows (bench).
            models.Index(
                fields=["practice", "birth_date", "search_name", "id"], name="patient_birth_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.family_name} {self.given_name}"

    @property
    def has_taj(self) -> bool:
        return self.id_type == IdType.TAJ and bool(self.id_value)

    @property
    def full_name(self) -> str:
        return f"{self.family_name} {self.given_name}"

    @property
    def identifier_display(self) -> str:
        """TAJ grouped as `123 456 788`; other identifiers as stored."""
        if self.id_type == IdType.TAJ and len(self.id_value) == 9:
            return f"{self.id_value[:3]} {self.id_value[3:6]} {self.id_value[6:]}"
        return self.id_value

    @property
    def address_display(self) -> str:
        town = " ".join(part for part in (self.postal_code, self.city) if part)
        return ", ".join(part for part in (town, self.street_address) if part)

    def age_on(self, day: datetime.date) -> int:
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - int(before_birthday)


class Channel(models.TextChoices):
    """The ways a practice may send a patient messages (reminders, recall)."""

    EMAIL = "email", _("e-mail")
    SMS = "sms", _("SMS")


class ConsentMethod(models.TextChoices):
    """How a consent was given or withdrawn: the GDPR's proof of consent (Art. 7(1))."""

    PAPER = "paper", _("személyesen, papíron aláírva")
    IN_PERSON = "in_person", _("személyesen, szóban")
    ONLINE_FORM = "online_form", _("online űrlapon")
    PHONE = "phone", _("telefonon")
    EMAIL = "email", _("e-mailben")
    LINK = "link", _("leiratkozó linkkel az üzenetből")


class MessageLanguage(models.TextChoices):
    HU = "hu", _("magyar")
    EN = "en", _("angol")
    DE = "de", _("német")


class ConsentChange(models.TextChoices):
    """What one history entry changed."""

    OPT_IN = "opt_in", _("hozzájárult")
    OPT_OUT = "opt_out", _("visszavonta")
    LANGUAGE = "language", _("nyelv módosítva")


class ContactConsent(models.Model):
    """One entry of a patient's message consent history. Inserted only, never updated or
    deleted: each entry records one change (who, when, how) and the whole state after it
    (e-mail allowed, SMS allowed, language), so the current state is the latest entry — one
    row read — and the history is the proof of consent the GDPR asks for."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="consents", verbose_name=_("páciens")
    )
    change = models.CharField(_("változás"), max_length=10, choices=ConsentChange.choices)
    # The channel the change is about; blank for a change of language.
    channel = models.CharField(_("csatorna"), max_length=5, choices=Channel.choices, blank=True)
    # Blank for a change of language (not a consent).
    method = models.CharField(_("módja"), max_length=12, choices=ConsentMethod.choices, blank=True)
    note = models.CharField(_("megjegyzés"), max_length=300, blank=True)
    # NULL: the patient did it himself (an opt-out link in a message).
    recorded_by = models.ForeignKey(
        "practices.StaffMember",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rögzítette"),
    )
    recorded_at = models.DateTimeField(_("időpont"))
    # The state after this change.
    email_allowed = models.BooleanField(_("e-mail engedélyezve"), default=False)
    sms_allowed = models.BooleanField(_("SMS engedélyezve"), default=False)
    language = models.CharField(
        _("üzenetek nyelve"), max_length=2, choices=MessageLanguage.choices, default="hu"
    )

    class Meta:
        verbose_name = _("üzenetküldési hozzájárulás")
        verbose_name_plural = _("üzenetküldési hozzájárulások")
        indexes = [models.Index(fields=["practice", "patient", "-id"], name="consent_patient")]

    def __str__(self) -> str:
        return f"{self.patient_id} {self.change} {self.channel}"

    def allows(self, channel: str) -> bool:
        return self.email_allowed if channel == Channel.EMAIL else self.sms_allowed
