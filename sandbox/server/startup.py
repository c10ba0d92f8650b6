"""What first start does, shared by runsandbox and sandbox_seed."""

from __future__ import annotations

import logging

from sandbox.pki.ca import pki_ensure
from sandbox.pki.card import DemoCard, demo_card_ensure, softhsm_available
from sandbox.registry import seed
from sandbox.registry.models import Institution

log = logging.getLogger("sandbox.server")


def prepare(*, seed_always: bool, seed_if_empty: bool = True, card: bool = True) -> DemoCard | None:
    pki_ensure()
    if seed_always or (seed_if_empty and not Institution.objects.exists()):
        _seed()
    if not card:
        return None
    if not softhsm_available():
        log.warning("SoftHSM2 nincs telepítve: a demó eSzemélyi kártya nem jön létre.")
        return None
    return demo_card_ensure(user_id=seed.DEMO_DENTIST)


def _seed() -> None:
    seed.seed_demo()


def demo_logins_text(card: DemoCard | None) -> str:
    s = seed
    lines = ["Demó belépések (sandbox, nem valódi EESZT):"]
    if card is not None:
        lines.append(
            f"  {s.DEMO_DENTIST} (Dr. Kovács Anna, pecsétszám 58012): eSzemélyi kártya "
            f"(SoftHSM token '{card.token_label}'), PIN: {card.pin}"
        )
    lines += [
        f"  {s.SECOND_DOCTOR} (Dr. Nagy Gábor): token — jelszó {s.DEMO_PASSWORD}, "
        f"TOTP titok {s.TOKEN_SECRETS[s.SECOND_DOCTOR]}; mobiltoken TOTP titok "
        f"{s.MOBILE_SECRETS[s.SECOND_DOCTOR]}",
        f"  {s.ASSISTANT} (Kiss Júlia, asszisztens): mobiltoken TOTP titok "
        f"{s.MOBILE_SECRETS[s.ASSISTANT]}",
        f"  {s.RIGHTS_ADMIN} (Varga Béla, INTJOGADIN): token — jelszó {s.DEMO_PASSWORD}, "
        f"TOTP titok {s.TOKEN_SECRETS[s.RIGHTS_ADMIN]}",
        f"  Intézmény {s.DEMO_INSTITUTION} (Mosoly Fogászat Kft.), szervezeti egység "
        f"{s.DEMO_ORG_UNIT}; SSL tanúsítvány: python -m django sandbox_issue_cert "
        f"--institution {s.DEMO_INSTITUTION} --out cert.p12 --settings=sandbox.settings",
        "  Ágazati portál: a HTTP címen (alapértelmezés http://127.0.0.1:9080/); Üzemeltetés: "
        "a SANDBOX_ADMIN_TOKEN (alapértelmezés: sandbox-admin); leírás: docs/sandbox.md",
        "",
    ]
    return "\n".join(lines)
