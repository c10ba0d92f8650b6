"""English as the second language: the switcher in the header, the English catalogue complete.

Hungarian is the source language, so an untranslated string would silently show Hungarian on
the English pages; the catalogue tests make a new string without translation fail instead."""

import re
from dataclasses import dataclass, field
from pathlib import Path

import django
import pytest
from django.conf import settings
from django.test import Client

from zomanc.conftest import Personas

EN_PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
LOGIN = "/accounts/login/"


@dataclass
class PoEntry:
    line: int
    flags: set[str] = field(default_factory=set)
    fields: dict[str, str] = field(default_factory=dict)


def _unquote(text: str) -> str:
    # PO strings are C-style quoted; only these escapes appear in Django's catalogues.
    body = text.strip()[1:-1]
    return re.sub(r'\\(["\\nt])', lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), body)


def parse_po(path: Path) -> list[PoEntry]:
    """A minimal PO reader (no extra dependency): msgctxt/msgid/msgid_plural/msgstr[n] + flags.
    Obsolete entries (#~) are comments to gettext and are skipped."""
    entries: list[PoEntry] = []
    current: PoEntry | None = None
    key = ""
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            current = None
            continue
        if current is None:
            current = PoEntry(line=number)
            entries.append(current)
        if line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current.fields[key] += _unquote(line)
        else:
            key, _, value = line.partition(" ")
            current.fields[key] = _unquote(value)
    return [entry for entry in entries if "msgid" in entry.fields]


def _placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"%\([a-z_0-9]+\)[sd]|%[sd]", text))


def test_english_catalogue_exists_and_header_is_final() -> None:
    entries = parse_po(EN_PO)
    header = entries[0]
    assert header.fields["msgid"] == ""
    assert "fuzzy" not in header.flags
    assert "Language: en\n" in header.fields["msgstr"]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.fields["msgstr"]
    assert len(entries) > 1000


def test_every_english_entry_is_translated_and_not_fuzzy() -> None:
    """Fails for a string added later without translation: run `make messages`, translate the
    new entries in locale/en/LC_MESSAGES/django.po, and commit the .po (docs/decisions.md)."""
    problems = []
    for entry in parse_po(EN_PO)[1:]:
        msgid = entry.fields["msgid"]
        if "fuzzy" in entry.flags:
            problems.append(f"line {entry.line}: fuzzy: {msgid!r}")
        strs = {k: v for k, v in entry.fields.items() if k.startswith("msgstr")}
        expected = {"msgstr[0]", "msgstr[1]"} if "msgid_plural" in entry.fields else {"msgstr"}
        if set(strs) != expected or not all(v.strip() for v in strs.values()):
            problems.append(f"line {entry.line}: not translated: {msgid!r}")
    assert problems == []


def test_english_keeps_every_placeholder() -> None:
    # A dropped or renamed %(name)s raises KeyError at render time (or loses the data shown).
    problems = []
    for entry in parse_po(EN_PO)[1:]:
        fields = entry.fields
        if "msgid_plural" in fields:
            pairs = [
                (fields["msgid"], fields["msgstr[0]"]),
                (fields["msgid_plural"], fields["msgstr[1]"]),
            ]
        else:
            pairs = [(fields["msgid"], fields["msgstr"])]
        for source, english in pairs:
            if _placeholders(source) != _placeholders(english):
                problems.append(f"line {entry.line}: {source!r} -> {english!r}")
    assert problems == []


def test_parse_po_reads_multiline_plural_and_fuzzy(tmp_path: Path) -> None:
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#, fuzzy, python-format\nmsgid ""\n"Kedves %(name)s!\\n"\n"Üdv"\n'
        'msgstr "Dear %(name)s!"\n\n'
        'msgid "%(n)s fog"\nmsgid_plural "%(n)s fog"\nmsgstr[0] "%(n)s tooth"\nmsgstr[1] ""\n\n'
        '#~ msgid "régi"\n#~ msgstr "old"\n',
        encoding="utf-8",
    )
    header, letter, plural = parse_po(po)
    assert header.fields["msgstr"] == "Language: en\n"
    assert letter.fields["msgid"] == "Kedves %(name)s!\nÜdv"
    assert letter.flags == {"fuzzy", "python-format"}
    assert plural.fields == {
        "msgid": "%(n)s fog",
        "msgid_plural": "%(n)s fog",
        "msgstr[0]": "%(n)s tooth",
        "msgstr[1]": "",
    }


@pytest.mark.django_db
def test_login_page_is_hungarian_by_default() -> None:
    page = Client().get(LOGIN).content.decode()
    assert '<html lang="hu">' in page
    assert "Elfelejtette a jelszavát?" in page
    assert "Forgot your password?" not in page
    # The switcher: a CSRF-protected POST form to set_language, each language in its own name.
    assert 'action="/i18n/setlang/"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert 'value="en" lang="en" class="link">English</button>' in page
    assert 'value="hu" lang="hu" class="link" aria-current="true" disabled>Magyar</button>' in page


@pytest.mark.django_db
def test_login_page_switches_to_english() -> None:
    assert EN_PO.with_suffix(".mo").exists(), "run `manage.py compilemessages` (make bootstrap)"
    client = Client(enforce_csrf_checks=True)
    page = client.get(LOGIN)
    token = page.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": LOGIN, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    page_en = client.get(LOGIN).content.decode()
    assert '<html lang="en">' in page_en
    assert "Forgot your password?" in page_en
    assert "Elfelejtette a jelszavát?" not in page_en
    assert 'class="link" aria-current="true" disabled>English</button>' in page_en

    client.post("/i18n/setlang/", {"language": "hu", "next": LOGIN, "csrfmiddlewaretoken": token})
    assert "Elfelejtette a jelszavát?" in client.get(LOGIN).content.decode()


def test_language_cookie_translates_the_home_page(personas: Personas) -> None:
    client = personas.client_for(personas.owner)
    assert "Kijelentkezés" in client.get("/").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/").content.decode()
    assert "Logout" in page
    assert "Patients" in page
    assert "Kijelentkezés" not in page


HU_PO = Path(settings.BASE_DIR) / "locale" / "hu" / "LC_MESSAGES" / "django.po"
DJANGO_EN_PO = Path(django.__file__).parent / "conf" / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_hungarian_catalogue_overrides_django_strings_only() -> None:
    """locale/hu holds only Django msgids we must override (our own strings are Hungarian
    already): every entry is a msgid of Django's catalogue, translated, not fuzzy."""
    django_ids = {e.fields.get("msgid") for e in parse_po(DJANGO_EN_PO)}
    entries = [e for e in parse_po(HU_PO) if e.fields.get("msgid")]
    assert entries
    for entry in entries:
        assert entry.fields["msgid"] in django_ids, entry.fields["msgid"]
        assert entry.fields["msgstr"] and "fuzzy" not in entry.flags


def test_select_empty_choice_is_hungarian(personas: Personas) -> None:
    """Django 6.1's "- Select an option -" (no Hungarian translation in Django yet) shows in
    Hungarian on a Hungarian page: the visit-opening form's selects."""
    from zomanc.patients.tests.factories import make_patient

    patient = make_patient(personas.doctor)
    client = personas.client_for(personas.doctor)
    page = client.get(f"/patients/{patient.pk}/").content.decode()
    assert 'class="open-form"' in page
    # The empty choice is there whether or not a value is preselected (the form preselects
    # the only company and org unit, issue 12 defect 4).
    assert re.search(r'<option value=""( selected)?>- Válasszon -</option>', page)
    assert "Select an option" not in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "- Select an option -" in client.get(f"/patients/{patient.pk}/").content.decode()


def test_one_hungarian_word_two_english_meanings() -> None:
    """ "Tulajdonos" is the practice's owner (a role) and a certificate's subject: one msgid
    gave the role "Subject" in English; the certificate's takes a context of its own."""
    from django.utils import translation
    from django.utils.translation import pgettext

    from zomanc.practices.models import Role

    with translation.override("en"):
        assert str(Role.OWNER.label) == "Owner"
        assert pgettext("tanúsítvány alanya", "Tulajdonos") == "Subject"
