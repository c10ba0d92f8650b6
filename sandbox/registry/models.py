from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    """VMátrix roles a grant can carry (the ones seen on the real portal)."""

    ORVOS = "ORVOS", "Orvos"
    FELHASZNALO = "EESZT_FELHASZNALO", "EESZT felhasználó"
    INTJOGADIN = "INTJOGADIN", "Intézményi jogosultság-adminisztrátor"


class Institution(models.Model):
    institution_id = models.CharField(max_length=6, unique=True)  # ^[0-9A-Z]{6}$
    name = models.CharField(max_length=200)
    # The rights admin's phone: where the WAF-SSL certificate password is "sent".
    admin_phone = models.CharField(max_length=20, blank=True)

    def __str__(self) -> str:
        return f"{self.institution_id} {self.name}"


class OrgUnit(models.Model):
    code = models.CharField(max_length=9, unique=True)  # ^[0-9A-Z]{9}$
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="org_units")
    name = models.CharField(max_length=200)
    # Specialty code of the unit (e.g. "FOG" fogászat); referrals and sensitive categories
    # are matched against it.
    specialty = models.CharField(max_length=20)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Doctor(models.Model):
    """The public doctor register (pecsétszám list), also served as reference data."""

    stamp = models.CharField(max_length=6, unique=True)  # text: NEAK moved some to 6 digits
    name = models.CharField(max_length=200)
    specialties = models.JSONField(default=list)  # e.g. ["FOG"], ["PSZICH"]

    def __str__(self) -> str:
        return f"{self.stamp} {self.name}"


class User(models.Model):
    """A portal / EESZT user (natural person). Not a Django auth user: the sandbox
    authenticates people only through its own IDP."""

    user_id = models.CharField(max_length=40, unique=True)  # "O" + stamp for doctors
    name = models.CharField(max_length=200)
    doctor = models.ForeignKey(Doctor, null=True, blank=True, on_delete=models.PROTECT)
    phone = models.CharField(max_length=20, blank=True)
    # Portal password (Django hasher) for TokenLogin; empty = token login not set up.
    password_hash = models.CharField(max_length=200, blank=True)
    # Base32 TOTP secrets: the physical token and the registered mobile-token app.
    token_secret = models.CharField(max_length=64, blank=True)
    mobile_secret = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return self.user_id

    @property
    def stamp(self) -> str:
        return self.doctor.stamp if self.doctor else ""


class Grant(models.Model):
    """VMátrix: the user may act for (institution, org unit) in this role."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants")
    institution = models.ForeignKey(Institution, on_delete=models.CASCADE)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE)
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "institution", "org_unit", "role"], name="grant_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.org_unit_id} {self.role}"


class IdType(models.TextChoices):
    TAJ = "TAJ", "TAJ szám"
    PASSPORT = "UTLEVEL", "Útlevél"
    EU_CARD = "EU_KARTYA", "Európai egészségbiztosítási kártya"
    OTHER = "EGYEB", "Egyéb"
    UNKNOWN = "ISMERETLEN", "Ismeretlen"


class Sex(models.TextChoices):
    MALE = "1", "Férfi"
    FEMALE = "2", "Nő"


class PatientOrigin(models.TextChoices):
    SEED = "SEED", "Alapadat"
    GENERATED = "GENERATED", "Generált (még nem jött adat)"
    REQUEST = "REQUEST", "Kérésből"
    OPERATOR = "OPERATOR", "Üzemeltető"


class Patient(models.Model):
    id_type = models.CharField(max_length=12, choices=IdType.choices, default=IdType.TAJ)
    id_value = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    birth_date = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    # Insurance status colour (TB-lámpa) returned by EligibilityCheck.
    eligibility = models.CharField(max_length=5, default="ZOLD")
    # Date of death (a reserved test person plays it): no care can start after it.
    deceased_on = models.DateField(null=True, blank=True)
    # Where the person came from: the seed, the first request naming an unknown valid TAJ
    # (the register knows every insured person: a generated identity until a request
    # carries one), or the operator's test-person page.
    origin = models.CharField(max_length=9, choices=PatientOrigin.choices, default="SEED")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["id_type", "id_value"], name="patient_id_unique")
        ]

    def __str__(self) -> str:
        return f"{self.id_type}:{self.id_value} {self.name}"


# Specialty codes the sandbox knows (ours; the real code table is not public). Sensitive
# ones can only be read by a specialist of that field (contract §6 step 5).
SPECIALTIES: dict[str, str] = {
    "FOG": "Fogászat",
    "SZAJSEB": "Szájsebészet",
    "FOGSZAB": "Fogszabályozás",
    "PSZICH": "Pszichiátria",
    "ADDIKT": "Addiktológia",
    "BOR_NEMI": "Bőr- és nemibeteg-ellátás",
    "BEL": "Belgyógyászat",
    "HAZIORVOS": "Háziorvosi ellátás",
}
SENSITIVE_SPECIALTIES = frozenset({"PSZICH", "ADDIKT", "BOR_NEMI"})

# The registered profile of an org unit by its specialty (reference data; ours — NEAK's
# licence register is not public): the care types it provides and the specialties its
# events may carry. A dental unit reports outpatient dental care only.
UNIT_PROFILES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "FOG": (frozenset({"JARO"}), frozenset({"FOG", "FOGSZAB"})),
    "SZAJSEB": (frozenset({"JARO"}), frozenset({"SZAJSEB", "FOG"})),
    "FOGSZAB": (frozenset({"JARO"}), frozenset({"FOGSZAB", "FOG"})),
    "PSZICH": (frozenset({"JARO", "FEKVO"}), frozenset({"PSZICH"})),
    "ADDIKT": (frozenset({"JARO", "FEKVO"}), frozenset({"ADDIKT"})),
    "BOR_NEMI": (frozenset({"JARO"}), frozenset({"BOR_NEMI"})),
    "BEL": (frozenset({"JARO", "FEKVO"}), frozenset({"BEL"})),
    "HAZIORVOS": (frozenset({"HAZIORVOS"}), frozenset({"HAZIORVOS"})),
}
