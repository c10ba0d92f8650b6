"""The optional "late" flag of an answer (a close or document accepted after the legal
deadline), read from recorded answers through zeep and the contract, with or without the
element in our contract copy."""

import requests
import zeep

from zomanc.eeszt.client.ekat import _answer
from zomanc.eeszt.client.wire import _AnswerFlags, _document, answer_flag_late

SOAP = "http://www.w3.org/2003/05/soap-envelope"


def _recorded(service: str, answer: str) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response.headers["Content-Type"] = "application/soap+xml; charset=utf-8"
    response._content = (
        f'<env:Envelope xmlns:env="{SOAP}"><env:Body>{answer}</env:Body></env:Envelope>'
    ).encode()
    return response


def _parse(service: str, operation: str, answer: str) -> tuple[object, dict[str, str]]:
    flags = _AnswerFlags()
    client = zeep.Client(wsdl=_document(service), plugins=[flags])
    binding = client.wsdl.bindings[next(iter(client.wsdl.bindings))]
    reply = binding.process_reply  # type: ignore[attr-defined]  # a SOAP binding's
    result = reply(client, binding.get(operation), _recorded(service, answer))
    return result, flags.flags


EKAT = 'xmlns:e="urn:zomanc:eeszt-sandbox:ekat:v1"'
DOCS = 'xmlns:d="urn:zomanc:eeszt-sandbox:documents:v1"'


def test_a_late_close_is_read_and_the_answer_still_parses() -> None:
    result, flags = _parse(
        "ekat",
        "EventClose",
        f"<e:EventCloseResponse {EKAT}><e:eventId>202612345678901234</e:eventId>"
        "<e:status>LEZART</e:status><e:late>true</e:late>"
        "<e:deadline>2026-12-01T10:00:00Z</e:deadline></e:EventCloseResponse>",
    )
    answer = _answer(result, flags)
    assert (answer.event_id, answer.status, answer.late) == ("202612345678901234", "LEZART", True)
    assert flags["deadline"] == "2026-12-01T10:00:00Z"


def test_an_answer_without_the_flag_is_on_time() -> None:
    result, flags = _parse(
        "ekat",
        "EventClose",
        f"<e:EventCloseResponse {EKAT}><e:eventId>202612345678901234</e:eventId>"
        "<e:status>LEZART</e:status></e:EventCloseResponse>",
    )
    assert flags == {} and _answer(result, flags).late is False
    assert answer_flag_late({"late": "false"}) is False and answer_flag_late({"late": "1"})


def test_a_late_document_is_read() -> None:
    result, flags = _parse(
        "documents",
        "DocumentSubmit",
        f"<d:DocumentSubmitResponse {DOCS}><d:documentId>202612345678901234</d:documentId>"
        "<d:version>1</d:version><d:versionedId>202612345678901234.1</d:versionedId>"
        "<d:created>true</d:created><d:late>true</d:late></d:DocumentSubmitResponse>",
    )
    assert result.versionedId == "202612345678901234.1"  # type: ignore[attr-defined]
    assert answer_flag_late(flags)
