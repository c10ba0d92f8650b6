"""The demo practice's price lists and treatment plans (issue 14): a forint list and a euro
list (dental tourism) with every catalogue item named in Hungarian, English and German, and
a few plans in the states a practice sees every day — an accepted plan being carried out
(it shows on the open-treatment list), a quote presented and waiting for the patient, and
a draft.

The euro prices are the forint prices at 390 Ft/EUR rounded to 5 euros: a price list of a
clinic, not a conversion (a euro list is set by the practice, not by the day's rate)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from zomanc.codes.models import TreatmentItem
from zomanc.core.management.commands.demo_load import EESZT_TEST_PATIENTS
from zomanc.patients.models import Patient
from zomanc.plans.models import Currency, PlanStatus, PriceList, QuoteLanguage, TreatmentPlan
from zomanc.plans.services import (
    plan_create,
    plan_item_add,
    plan_option_add,
    plan_phase_add,
    plan_transition,
    price_list_create,
    price_list_entry_set,
)
from zomanc.practices.models import Practice, StaffMember

HUF_LIST = "Árlista 2026"
EUR_LIST = "Price list 2026"
EUR_RATE = Decimal(390)

# catalogue shortcut → (English, German); the Hungarian name is the catalogue's.
NAMES: dict[str, tuple[str, str]] = {
    "konz": ("Consultation, assessment, treatment plan", "Beratung, Befund, Behandlungsplan"),
    "kontr": ("Check-up", "Kontrolluntersuchung"),
    "pan": ("Panoramic X-ray (OPG)", "Panoramaröntgen (OPG)"),
    "rtg": ("Intraoral X-ray", "Intraorale Röntgenaufnahme"),
    "cbct": ("CBCT (3D X-ray), one jaw", "DVT (3D-Röntgen), ein Kiefer"),
    "fk": ("Scaling and polishing (full mouth)", "Zahnsteinentfernung und Politur"),
    "air": ("Airflow cleaning", "Airflow-Reinigung"),
    "érz": ("Local anaesthesia", "Lokalanästhesie"),
    "ideig": ("Temporary filling", "Provisorische Füllung"),
    "töm": ("Composite filling, 1 surface", "Kompositfüllung, 1 Fläche"),
    "töm2": ("Composite filling, 2 surfaces", "Kompositfüllung, 2 Flächen"),
    "töm3": ("Composite filling, 3 surfaces", "Kompositfüllung, 3 Flächen"),
    "töm4": ("Composite filling, 4 or more surfaces", "Kompositfüllung, 4 oder mehr Flächen"),
    "inlay": ("Ceramic inlay", "Keramik-Inlay"),
    "bz": ("Fissure sealing", "Fissurenversiegelung"),
    "gyök": ("Root canal treatment, 1 canal", "Wurzelkanalbehandlung, 1 Kanal"),
    "gyök2": ("Root canal treatment, 2 canals", "Wurzelkanalbehandlung, 2 Kanäle"),
    "gyök3": ("Root canal treatment, 3 canals", "Wurzelkanalbehandlung, 3 Kanäle"),
    "gyök4": (
        "Root canal treatment, 4 or more canals",
        "Wurzelkanalbehandlung, 4 oder mehr Kanäle",
    ),
    "rev": ("Root canal retreatment (per canal)", "Revision der Wurzelfüllung (pro Kanal)"),
    "csap": ("Fibre post build-up", "Glasfaserstiftaufbau"),
    "ext": ("Extraction (simple)", "Zahnextraktion (einfach)"),
    "ext2": ("Extraction (complex, multi-rooted)", "Zahnextraktion (erschwert, mehrwurzelig)"),
    "bölcs": ("Surgical removal of a wisdom tooth", "Operative Weisheitszahnentfernung"),
    "tejext": ("Extraction of a milk tooth", "Milchzahnextraktion"),
    "kor": ("Porcelain-fused-to-metal crown", "Metallkeramikkrone"),
    "cirk": ("Zirconia crown", "Zirkonkrone"),
    "emax": ("Pressed ceramic (E.max) crown", "Presskeramikkrone (E.max)"),
    "ikor": ("Temporary crown", "Provisorische Krone"),
    "híd": ("Bridge pontic (porcelain-fused-to-metal)", "Brückenglied (Metallkeramik)"),
    "imp": ("Implant placement", "Implantation"),
    "abut": ("Implant abutment", "Implantataufbau (Abutment)"),
    "csp": ("Bone grafting (material, membrane)", "Knochenaufbau (Material, Membran)"),
    "paro": ("Periodontal treatment (per quadrant)", "Parodontalbehandlung (pro Quadrant)"),
    "sín": ("Night guard / bite splint", "Aufbissschiene"),
    "fsor": ("Complete removable denture (per jaw)", "Totalprothese (pro Kiefer)"),
    "feh": ("In-office whitening", "Bleaching in der Praxis"),
    "ofeh": ("Home whitening (custom tray, gel)", "Home-Bleaching (Schiene, Gel)"),
}


def _euro(huf: Decimal) -> Decimal:
    return ((huf / EUR_RATE) / 5).quantize(Decimal(1), rounding=ROUND_HALF_UP) * 5


def _doctor(practice: Practice) -> StaffMember | None:
    return (
        StaffMember.objects.select_related("user", "practice")
        .filter(practice=practice, is_active=True)
        .exclude(stamp_number="")
        .order_by("id")
        .first()
    )


@transaction.atomic
def demo_plans_create(practice: Practice) -> list[TreatmentPlan]:
    """Both price lists and three plans; nothing when the practice already has the forint
    list (running the demo loader twice changes nothing)."""
    doctor = _doctor(practice)
    if doctor is None or PriceList.objects.filter(practice=practice, name=HUF_LIST).exists():
        return []
    huf = price_list_create(practice=practice, actor=doctor, name=HUF_LIST, currency=Currency.HUF)
    eur = price_list_create(practice=practice, actor=doctor, name=EUR_LIST, currency=Currency.EUR)
    treatments = {
        t.shortcut: t
        for t in TreatmentItem.objects.filter(practice=practice, is_active=True).exclude(
            shortcut=""
        )
    }
    for shortcut, treatment in treatments.items():
        english, german = NAMES.get(shortcut, ("", ""))
        for price_list, price in ((huf, treatment.price), (eur, _euro(treatment.price))):
            price_list_entry_set(
                price_list=price_list,
                treatment=treatment,
                actor=doctor,
                price=price,
                name_hu=treatment.name,
                name_en=english,
                name_de=german,
            )
    # Not the EESZT test patients: the setup walk charts and reports them.
    patients = list(
        Patient.objects.filter(practice=practice)
        .exclude(id_value__in=[identity.taj for identity in EESZT_TEST_PATIENTS])
        .order_by("id")[:3]
    )
    if len(patients) < 3 or not {"fk", "töm", "imp", "cirk", "híd", "kor"} <= set(treatments):
        return []
    today = timezone.localdate()
    return [
        _accepted_plan(patients[0], doctor, huf, treatments, today),
        _presented_quote(patients[1], doctor, eur, treatments, today),
        _draft(patients[2], doctor, huf, treatments, today),
    ]


def _accepted_plan(
    patient: Patient,
    doctor: StaffMember,
    price_list: PriceList,
    t: dict[str, TreatmentItem],
    today: dt.date,
) -> TreatmentPlan:
    plan = plan_create(
        patient=patient,
        actor=doctor,
        title="Szájhigiénés és konzerváló kezelés",
        price_list=price_list,
        valid_until=today + dt.timedelta(days=30),
        advance_percent=Decimal(30),
    )
    hygiene = plan_phase_add(plan=plan, actor=doctor, title="Higiénés kezelés")
    plan_item_add(plan=plan, phase=hygiene, actor=doctor, treatment=t["fk"])
    fillings = plan_phase_add(plan=plan, actor=doctor, title="Konzerváló kezelés")
    plan_item_add(
        plan=plan, phase=fillings, actor=doctor, treatment=t["töm"], tooth=26, surfaces="O"
    )
    plan_item_add(
        plan=plan, phase=fillings, actor=doctor, treatment=t["töm"], tooth=36, surfaces="MOD"
    )
    plan_transition(plan=plan, to=PlanStatus.PRESENTED, actor=doctor)
    plan_transition(plan=plan, to=PlanStatus.ACCEPTED, actor=doctor)
    return plan


def _presented_quote(
    patient: Patient,
    doctor: StaffMember,
    price_list: PriceList,
    t: dict[str, TreatmentItem],
    today: dt.date,
) -> TreatmentPlan:
    """A dental tourist's quote in euros and English: the missing 46 replaced by an implant
    with a crown (A) or a bridge (B)."""
    plan = plan_create(
        patient=patient,
        actor=doctor,
        title="Replacing the missing lower right molar",
        language=QuoteLanguage.EN,
        currency=Currency.EUR,
        price_list=price_list,
        valid_until=today + dt.timedelta(days=21),
        exchange_rate=EUR_RATE,
        exchange_rate_date=today,
        advance_percent=Decimal(20),
    )
    phase = plan_phase_add(plan=plan, actor=doctor, title="Fogpótlás")
    implant = plan_option_add(phase=phase, actor=doctor, title="Implantátum koronával")
    plan_item_add(
        plan=plan, phase=phase, option=implant, actor=doctor, treatment=t["imp"], tooth=46
    )
    plan_item_add(
        plan=plan, phase=phase, option=implant, actor=doctor, treatment=t["cirk"], tooth=46
    )
    bridge = plan_option_add(phase=phase, actor=doctor, title="Híd")
    for tooth, shortcut in ((45, "kor"), (46, "híd"), (47, "kor")):
        plan_item_add(
            plan=plan, phase=phase, option=bridge, actor=doctor, treatment=t[shortcut], tooth=tooth
        )
    plan_transition(plan=plan, to=PlanStatus.PRESENTED, actor=doctor)
    return plan


def _draft(
    patient: Patient,
    doctor: StaffMember,
    price_list: PriceList,
    t: dict[str, TreatmentItem],
    today: dt.date,
) -> TreatmentPlan:
    plan = plan_create(
        patient=patient,
        actor=doctor,
        title="Fogkő-eltávolítás",
        price_list=price_list,
        valid_until=today + dt.timedelta(days=30),
    )
    phase = plan_phase_add(plan=plan, actor=doctor, title="Higiénés kezelés")
    plan_item_add(plan=plan, phase=phase, actor=doctor, treatment=t["fk"])
    return plan
