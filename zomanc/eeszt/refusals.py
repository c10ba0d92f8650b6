"""EESZT's refusals in plain Hungarian: what happened and what to do next, one table for
every page that shows one (submissions, visit rows, EHR documents, eligibility, eProfil,
referrals). EESZT's code stays available for support, shown small after the sentence —
never as its first word."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

_SUPPORT = _("Ha nem egyértelmű, mi a teendő, jelezze a támogatásnak a lenti kóddal.")
_BUG = _(
    "Ez a program hibája, nem az Öné: jelezze a Zománc támogatásnak a lenti kóddal; az "
    "ellátás adatai a rendelőben megmaradnak."
)
_VMATRIX = _("Kérje a VMátrix-jogosultságot az intézmény jogosultsági adminisztrátorától.")
_LATER = _(
    "Próbálja újra néhány perc múlva; a beküldéseket a rendszer magától is újrapróbálja, a "
    "rendelő munkája addig is folytatható."
)

# Fault code (contract §9, the sandbox's catalogue) → (what happened, what to do next).
REFUSALS: dict[str, tuple[Promise, Promise]] = {
    "SCHEMA_INVALID": (_("Az EESZT formailag hibásnak találta a beküldött adatot."), _BUG),
    "AUTH_CERT_INVALID": (
        _("Az EESZT nem fogadta el a cég tanúsítványát (érvénytelen, visszavont vagy ismeretlen)."),
        _("Töltsön fel érvényes tanúsítványt a Beállítások / EESZT oldalon."),
    ),
    "AUTH_ASSERTION_INVALID": (
        _("Az EESZT-bejelentkezése nem érvényes."),
        _("Jelentkezzen be újra az EESZT-be; a várakozó beküldések utána maguktól mennek."),
    ),
    "AUTH_SESSION_EXPIRED": (
        _("Lejárt az EESZT-munkamenete."),
        _("Jelentkezzen be újra az EESZT-be; a várakozó beküldések utána maguktól mennek."),
    ),
    "AUTH_FAILED": (
        _("Az EESZT-bejelentkezés nem sikerült."),
        _("Ellenőrizze az azonosítót és a kódot, majd próbálja újra."),
    ),
    "AUTH_LOCKED": (
        _("Túl sok sikertelen próbálkozás miatt az EESZT 15 percre zárolta a felhasználót."),
        _("Várjon 15 percet, majd jelentkezzen be újra."),
    ),
    "CONTEXT_NOT_PERMITTED": (
        _("Az EESZT szerint ebben az intézményben és szervezeti egységben nincs jogosultsága."),
        _VMATRIX,
    ),
    "ROLE_MISSING": (_("Hiányzik az ehhez szükséges VMátrix-szerepköre."), _VMATRIX),
    "TAJ_INVALID": (
        _("A TAJ-szám hibás: nem stimmel az ellenőrző számjegye."),
        _("Javítsa a TAJ-számot a páciens adatlapján, majd küldje újra."),
    ),
    "PATIENT_NOT_FOUND": (
        _("Az EESZT nem talál beteget ezzel az azonosítóval."),
        _(
            "Ellenőrizze a TAJ-számot (vagy más azonosítót) a páciens adatlapján a páciens "
            "kártyájával; ha elírás volt, javítsa, majd küldje újra."
        ),
    ),
    "PATIENT_DECEASED": (
        _("Az EESZT nyilvántartása szerint a beteg elhunyt, ezért új ellátás nem jelenthető."),
        _(
            "Ellenőrizze, hogy a jó páciensnél jár-e és helyes-e a TAJ-szám; ha igen, a "
            "nyilvántartás javítását a NEAK-nál kell kérni."
        ),
    ),
    "STAMP_UNKNOWN": (
        _("Az EESZT nem ismeri az orvos pecsétszámát."),
        _("Ellenőrizze a pecsétszámot a munkatárs adatainál (Beállítások / Munkatársak)."),
    ),
    "CODE_UNKNOWN": (
        _(
            "Az EESZT nem ismer egy beküldött kódot (például BNO), vagy az az ellátás napján nem "
            "érvényes."
        ),
        _("Javítsa a kódot az ellátás javításával, majd küldje újra."),
    ),
    "NO_TREATMENT_RELATIONSHIP": (
        _("Az EESZT szerint nincs kezelési kapcsolata a pácienssel."),
        _(
            "Nyisson ellátást a páciensnek (az eKAT-bejelentés után létrejön a kapcsolat), "
            "majd próbálja újra; életveszélyben kérjen sürgősségi hozzáférést."
        ),
    ),
    "DENIED_BY_SELF_DETERMINATION": (
        _("A páciens önrendelkezési nyilatkozata (DÖR) nem engedi ezt a hozzáférést."),
        _(
            "Kérdezze meg közvetlenül a pácienst; a hozzáférést ő engedélyezheti a lakossági "
            "portálon."
        ),
    ),
    "SENSITIVE_CATEGORY": (
        _("Különösen érzékeny adat: csak az adott szakterület kezelőorvosa láthatja."),
        _("Ha az ellátáshoz szükséges, kérje a leletet közvetlenül a pácienstől."),
    ),
    "BREAKGLASS_REASON_REQUIRED": (
        _("A sürgősségi hozzáféréshez meg kell adni az okot és az indoklást."),
        _(
            "Válasszon okot, írjon indoklást (az „egyéb” okhoz legalább 20 karaktert), és kérje "
            "újra."
        ),
    ),
    "EVENT_NOT_OPEN": (
        _("Az EESZT-ben ez az ellátási esemény nem nyitott (lezárták vagy törölték)."),
        _(
            "Nézze meg az ellátás sorait az EESZT beküldések oldalán; ha ott minden elküldött, "
            "jelezze a támogatásnak a lenti kóddal."
        ),
    ),
    "EVENT_DEADLINE_PASSED": (
        _("Lejárt a bejelentés vagy a javítás határideje."),
        _(
            "Az ellátás adatai a rendelőben megmaradnak; a pótlás módjáról kérdezze a "
            "támogatást a lenti kóddal."
        ),
    ),
    "NOT_OWNER": (
        _("Ezt az adatot másik intézmény rögzítette, ezért csak az módosíthatja."),
        _("Ha hibás, jelezze a rögzítő intézménynek."),
    ),
    "VERSION_CONFLICT": (
        _("Az adatot időközben más módosította, vagy a dokumentumot visszavonták."),
        _("Töltse be újra az oldalt, és a friss adatra építve próbálja újra."),
    ),
    "BODY_MISMATCH": (
        _("A beküldött dokumentum tartalma nem egyezik a kísérő adatokkal."),
        _BUG,
    ),
    "DUPLICATE_REQUEST_CONFLICT": (
        _("Ugyanezzel a kérésazonosítóval már más tartalmú kérés érkezett."),
        _BUG,
    ),
    "PROFILE_FORBIDDEN": (
        _("A páciens megtiltotta az eProfil használatát."),
        _("Kérdezze meg közvetlenül (allergiák, gyógyszerek), és rögzítse a kartonban."),
    ),
    "REFERRAL_EXPIRED": (
        _("A beutaló lejárt (90 napig érvényes)."),
        _("A páciens kérjen új beutalót a beutaló orvostól; az ellátás addig is rögzíthető."),
    ),
    "REFERRAL_ALREADY_USED": (
        _("A beutalót már felhasználták egy ellátáshoz."),
        _("Egy beutaló csak egyszer használható: a páciensnek új beutaló kell."),
    ),
    "REFERRAL_REVOKED": (
        _("A beutalót a kiállító orvos visszavonta."),
        _("Érdeklődjön nála, adott-e ki helyette újat."),
    ),
    "REFERRAL_WRONG_TARGET": (
        _("A beutaló más szakmára vagy más intézménybe szól."),
        _(
            "Itt nem használható: a páciens a megjelölt helyre menjen, vagy kérjen fogászati "
            "beutalót."
        ),
    ),
    "BOOKING_CONFLICT": (
        _("A beutalót egy másik intézmény már lefoglalta."),
        _("A páciens ott mondja le a foglalást, utána itt felhasználható."),
    ),
    # Added with the sandbox's stricter rules (issue 13); the product never sends what
    # triggers the protocol ones, so those are a program error.
    "EVENT_NOT_FOUND": (_("Az EESZT nem ismeri ezt az ellátási eseményt."), _BUG),
    "DOCUMENT_NOT_FOUND": (
        _("Az EESZT nem ismeri ezt a dokumentumot vagy verziót."),
        _("Frissítse a dokumentumlistát; lehet, hogy időközben visszavonták."),
    ),
    "REFERRAL_NOT_FOUND": (
        _("Az EESZT nem talál beutalót ezzel az azonosítóval."),
        _("Ellenőrizze a beutaló azonosítóját a beteg papírján, majd keresse újra."),
    ),
    "PROFILE_ENTRY_NOT_FOUND": (
        _("Az EESZT nem ismeri ezt az eProfil-bejegyzést."),
        _("Frissítse a beteg eProfilját; lehet, hogy időközben törölték."),
    ),
    "TIME_IN_FUTURE": (
        _("Az EESZT jövőbeli időpontot kapott: a gép órája valószínűleg siet."),
        _("Állítsa be a számítógép óráját (automatikus időszinkron), majd küldje újra."),
    ),
    "CARE_PROFILE_MISMATCH": (
        _(
            "Az ellátás szakmája nem illik a szervezeti egység EESZT-ben nyilvántartott "
            "profiljához."
        ),
        _("Ellenőrizze a Beállítások / EESZT oldalon a szervezeti egységet és a szakmakódot."),
    ),
    "RESPONSIBLE_NOT_PERMITTED": (
        _("A felelős orvosnak nincs EESZT-jogosultsága ennél az intézménynél."),
        _VMATRIX,
    ),
    "VERSION_MISMATCH": (_("Az EESZT nem értette az üzenet formátumát (SOAP-verzió)."), _BUG),
    "MUST_UNDERSTAND": (_("Az EESZT nem ismerte az üzenet egyik kötelező fejlécét."), _BUG),
    "UNSUPPORTED_MEDIA_TYPE": (_("Az EESZT nem fogadta el az üzenet típusát."), _BUG),
    "MESSAGE_TOO_LARGE": (
        _("Az EESZT túl nagynak találta a beküldött adatot."),
        _("Ha nagy mellékletet csatolt, kicsinyítse; egyébként jelezze a támogatásnak."),
    ),
    "SERVICE_UNAVAILABLE": (_("Az EESZT most nem érhető el."), _LATER),
}

# Codes the client itself gives transport trouble (client/wire.py): EESZT was not reached.
_TRANSPORT_PREFIXES = ("HTTP_", "TLS", "TRANSPORT", "BAD_RESPONSE")


@dataclass(frozen=True)
class RefusalText:
    """One refusal as shown: the sentence, the next step and the code for support.
    `{{ refusal.html }}` in templates; str() is the plain sentence."""

    message: str
    next_step: str
    code: str

    def __str__(self) -> str:
        return f"{self.message} {self.next_step}".strip()

    @property
    def html(self) -> SafeString:
        if not self.code:
            return format_html("{}", str(self))
        return format_html('{} <small class="eeszt-code">{}</small>', str(self), self.code)


def refusal_text(code: str, eeszt_message: str = "") -> RefusalText:
    """The Hungarian sentence for an EESZT code; a code the table does not know keeps
    EESZT's own (Hungarian) message and points to support."""
    known = REFUSALS.get(code)
    if known is not None:
        return RefusalText(str(known[0]), str(known[1]), code)
    if code.startswith(_TRANSPORT_PREFIXES):
        return RefusalText(str(REFUSALS["SERVICE_UNAVAILABLE"][0]), str(_LATER), code)
    message = eeszt_message.strip() or str(_("Az EESZT elutasította a kérést."))
    if message and message[-1] not in ".!?":
        message += "."
    return RefusalText(message, str(_SUPPORT), code)


def refusal_html(code: str, eeszt_message: str = "") -> SafeString:
    return refusal_text(code, eeszt_message).html
