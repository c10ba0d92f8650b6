"""Unit tests with fakes for what SoftHSM cannot do: a locked PIN (SoftHSM never locks)."""

import base64
import json
import threading
import urllib.error
import urllib.request

import pytest
from pkcs11 import exceptions

from zomanc.cardservice.card import CardError, CardStatus, Pkcs11Card, Signature
from zomanc.cardservice.server import (
    default_origins,
    load_or_create_pairing_token,
    make_server,
    normalise_origins,
)


class _LockedToken:
    label = "eSzemelyi"

    def open(self, **kwargs):
        if "user_pin" in kwargs:
            raise exceptions.PinLocked()
        raise AssertionError("status does not need a PIN")


def test_locked_pin_has_its_own_error(monkeypatch):
    card = Pkcs11Card(module_path="/nincs")
    monkeypatch.setattr(card, "_token", lambda: _LockedToken())
    with pytest.raises(CardError) as info:
        card.sign(b"x", "123456")
    assert info.value.code == "PIN_LOCKED" and info.value.status == 423
    assert "zárolva" in info.value.message


def test_missing_module_named():
    with pytest.raises(CardError) as info:
        Pkcs11Card(module_path="/nincs/ilyen.so").status()
    assert info.value.code == "NO_MODULE" and "/nincs/ilyen.so" in info.value.message


class _FakeCard:
    def status(self) -> CardStatus:
        return CardStatus(present=False)

    def sign(self, data: bytes, pin: str) -> Signature:
        raise CardError("PIN_LOCKED", "A kártya PIN kódja zárolva van.", status=423)


def test_server_binds_loopback_and_passes_card_errors():
    server = make_server(
        card=_FakeCard(), origin="http://127.0.0.1:8000", pairing_token="t", port=0
    )
    assert server.server_address[0] == "127.0.0.1"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        req = urllib.request.Request(
            f"http://127.0.0.1:{server.port}/sign",
            data=json.dumps({"challenge": base64.b64encode(b"x").decode(), "pin": "1234"}).encode(),
            method="POST",
            headers={
                "Origin": "http://127.0.0.1:8000",
                "X-Zomanc-Pairing": "t",
                "Content-Type": "application/json",
            },
        )
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(req, timeout=5)
        assert info.value.code == 423
        assert json.loads(info.value.read())["error"] == "PIN_LOCKED"
    finally:
        server.shutdown()
        server.server_close()


def test_pairing_token_created_once_private(tmp_path):
    first = load_or_create_pairing_token(tmp_path / "s")
    assert len(first) >= 24
    assert load_or_create_pairing_token(tmp_path / "s") == first
    assert (tmp_path / "s" / "pairing-token").stat().st_mode & 0o077 == 0


def test_origins_from_repeated_or_comma_separated_values():
    assert normalise_origins(["http://a:1/, http://b:2", "http://a:1", " "]) == [
        "http://a:1",
        "http://b:2",
    ]


def test_default_origins_from_the_environment(monkeypatch):
    monkeypatch.delenv("ZOMANC_CARDSERVICE_ORIGIN", raising=False)
    monkeypatch.delenv("ZOMANC_CARDSERVICE_ORIGINS", raising=False)
    assert default_origins() == ["http://127.0.0.1:8000"]
    monkeypatch.setenv("ZOMANC_CARDSERVICE_ORIGINS", "http://127.0.0.1:8000,http://127.0.0.1:9080")
    assert default_origins() == ["http://127.0.0.1:8000", "http://127.0.0.1:9080"]


def test_a_server_without_origins_is_refused():
    with pytest.raises(ValueError):
        make_server(card=_FakeCard(), origins=[" "], pairing_token="t", port=0)


def test_manage_py_command_allows_the_product_and_the_portal(settings):
    from zomanc.eeszt.management.commands.card_service import settings_origins

    settings.ZOMANC_BASE_URL = "http://127.0.0.1:8000"
    settings.EESZT_PORTAL_URL = "http://127.0.0.1:9080/"
    assert settings_origins() == ["http://127.0.0.1:8000", "http://127.0.0.1:9080"]
