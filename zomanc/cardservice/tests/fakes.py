"""A card for the browser tests of the card service's page side: present, and refusing every
PIN (the tests exercise the page's messages, not the signature)."""

from zomanc.cardservice.card import CardError, CardStatus, Signature


class WrongPinCard:
    def status(self) -> CardStatus:
        return CardStatus(present=True, token_label="eSzemelyi teszt")

    def sign(self, data: bytes, pin: str) -> Signature:
        raise CardError("PIN_INCORRECT", "Hibás PIN.", status=403)
