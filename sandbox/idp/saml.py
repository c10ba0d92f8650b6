"""Signing and verifying SAML 2.0 assertions (enveloped XML signature, RSA-SHA256,
exclusive C14N) with the IDP key of the sandbox PKI.

Verification is strict about the shape to stop signature-wrapping: exactly one
ds:Signature, a direct child of the assertion, with one Reference whose URI is the
assertion's own ID, and only the enveloped + exc-c14n transforms.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from dataclasses import dataclass

import xmlsec
from lxml import etree

from sandbox.pki.ca import pki_ensure
from sandbox.soap.ns import DS, SAML
from sandbox.soap.xmlutil import format_datetime, parse_datetime

AUTHN_CLASS = {
    "CARD": "urn:zomanc:eeszt-sandbox:authn:card",
    "TOKEN": "urn:zomanc:eeszt-sandbox:authn:token",
    "MOBILE": "urn:zomanc:eeszt-sandbox:authn:mobile-token",
}
ALLOWED_TRANSFORMS = {
    xmlsec.constants.TransformEnveloped.href,
    xmlsec.constants.TransformExclC14N.href,
}


class AssertionInvalid(Exception):
    pass


@dataclass(frozen=True)
class AssertionInfo:
    assertion_id: str
    subject: str
    issuer: str
    audience: str
    not_before: dt.datetime
    not_on_or_after: dt.datetime
    method: str


def _s(tag: str) -> str:
    return f"{{{SAML}}}{tag}"


_key_lock = threading.Lock()
_keys: dict[str, tuple[bytes, bytes]] = {}


def _idp_pem() -> tuple[bytes, bytes]:
    """(private key PEM, certificate PEM) of the IDP, read once per PKI folder."""
    pki = pki_ensure()
    key = str(pki.directory)
    cached = _keys.get(key)
    if cached is None:
        with _key_lock:
            cached = (pki.idp.key_pem, pki.idp.cert_pem)
            _keys[key] = cached
    return cached


_verify_keys: dict[bytes, xmlsec.Key] = {}


def _verify_key(cert_pem: bytes) -> xmlsec.Key:
    """The IDP's verification key, parsed once per certificate (not once per call)."""
    key = _verify_keys.get(cert_pem)
    if key is None:
        key = xmlsec.Key.from_memory(cert_pem, xmlsec.constants.KeyDataFormatCertPem)
        _verify_keys[cert_pem] = key
    return key


def assertion_build(
    *,
    subject: str,
    method: str,
    issuer: str,
    audience: str,
    issued_at: dt.datetime,
    not_on_or_after: dt.datetime,
    attributes: dict[str, list[str]],
) -> tuple[str, bytes]:
    """A signed assertion: (assertion id, exact UTF-8 bytes to be inserted untouched)."""
    assertion_id = "_" + secrets.token_hex(20)
    nsmap = {"saml": SAML}
    root = etree.Element(
        _s("Assertion"),
        {"ID": assertion_id, "Version": "2.0", "IssueInstant": format_datetime(issued_at)},
        nsmap=nsmap,
    )
    etree.SubElement(root, _s("Issuer")).text = issuer
    subj = etree.SubElement(root, _s("Subject"))
    name_id = etree.SubElement(
        subj, _s("NameID"), Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
    )
    name_id.text = subject
    conf = etree.SubElement(
        subj, _s("SubjectConfirmation"), Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"
    )
    etree.SubElement(
        conf, _s("SubjectConfirmationData"), NotOnOrAfter=format_datetime(not_on_or_after)
    )
    cond = etree.SubElement(
        root,
        _s("Conditions"),
        NotBefore=format_datetime(issued_at),
        NotOnOrAfter=format_datetime(not_on_or_after),
    )
    restriction = etree.SubElement(cond, _s("AudienceRestriction"))
    etree.SubElement(restriction, _s("Audience")).text = audience
    authn = etree.SubElement(
        root,
        _s("AuthnStatement"),
        AuthnInstant=format_datetime(issued_at),
        SessionIndex=assertion_id,
    )
    ctx = etree.SubElement(authn, _s("AuthnContext"))
    etree.SubElement(ctx, _s("AuthnContextClassRef")).text = AUTHN_CLASS[method]
    attrs = etree.SubElement(root, _s("AttributeStatement"))
    for name, values in attributes.items():
        attr = etree.SubElement(attrs, _s("Attribute"), Name=name)
        for value in values:
            etree.SubElement(attr, _s("AttributeValue")).text = value

    signature = xmlsec.template.create(
        root, xmlsec.constants.TransformExclC14N, xmlsec.constants.TransformRsaSha256, ns="ds"
    )
    root.insert(1, signature)  # after Issuer, as the SAML schema orders it
    ref = xmlsec.template.add_reference(
        signature, xmlsec.constants.TransformSha256, uri="#" + assertion_id
    )
    xmlsec.template.add_transform(ref, xmlsec.constants.TransformEnveloped)
    xmlsec.template.add_transform(ref, xmlsec.constants.TransformExclC14N)
    key_info = xmlsec.template.ensure_key_info(signature)
    xmlsec.template.add_x509_data(key_info)
    key_pem, cert_pem = _idp_pem()
    key = xmlsec.Key.from_memory(key_pem, xmlsec.constants.KeyDataFormatPem)
    key.load_cert_from_memory(cert_pem, xmlsec.constants.KeyDataFormatCertPem)
    sign_ctx = xmlsec.SignatureContext()
    sign_ctx.key = key
    xmlsec.tree.add_ids(root, ["ID"])
    sign_ctx.sign(signature)
    return assertion_id, etree.tostring(root, encoding="utf-8")


def assertion_verify(*, element: etree._Element, issuer: str, audience: str) -> AssertionInfo:
    """Checks signature, shape, issuer and audience. Time window and logout are checked
    by the caller (they need the sandbox clock and the session table)."""
    if element.tag != _s("Assertion"):
        raise AssertionInvalid("Az igazolás nem SAML 2.0 Assertion.")
    # Verify a private copy: IDs elsewhere in the envelope cannot interfere.
    root = etree.fromstring(
        etree.tostring(element),
        etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False),
    )
    assertion_id = root.get("ID") or ""
    signatures = root.findall(f".//{{{DS}}}Signature")
    if len(signatures) != 1 or signatures[0].getparent() is not root:
        raise AssertionInvalid("Az igazolás aláírása hiányzik vagy rossz helyen van.")
    signature = signatures[0]
    refs = signature.findall(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")
    if len(refs) != 1 or refs[0].get("URI") != "#" + assertion_id or not assertion_id:
        raise AssertionInvalid("Az aláírás nem az igazolás egészére vonatkozik.")
    transforms = {t.get("Algorithm") for t in refs[0].iterfind(f".//{{{DS}}}Transform")}
    if not transforms <= ALLOWED_TRANSFORMS:
        raise AssertionInvalid("Nem megengedett transzformáció az aláírásban.")
    _, cert_pem = _idp_pem()
    verify_ctx = xmlsec.SignatureContext()
    verify_ctx.key = _verify_key(cert_pem)  # the context takes a copy
    xmlsec.tree.add_ids(root, ["ID"])
    try:
        verify_ctx.verify(signature)
    except xmlsec.Error as exc:
        raise AssertionInvalid("Az igazolás aláírása érvénytelen.") from exc

    got_issuer = root.findtext(_s("Issuer"))
    if got_issuer != issuer:
        raise AssertionInvalid("Ismeretlen kibocsátó (Issuer).")
    audiences = [
        a.text
        for a in root.iterfind(f"{_s('Conditions')}/{_s('AudienceRestriction')}/{_s('Audience')}")
    ]
    if audience not in audiences:
        raise AssertionInvalid("Az igazolás nem ennek a szolgáltatásnak szól (Audience).")
    cond = root.find(_s("Conditions"))
    subject = root.findtext(f"{_s('Subject')}/{_s('NameID')}")
    class_ref = root.findtext(
        f"{_s('AuthnStatement')}/{_s('AuthnContext')}/{_s('AuthnContextClassRef')}"
    )
    if cond is None or not subject or not cond.get("NotBefore") or not cond.get("NotOnOrAfter"):
        raise AssertionInvalid("Hiányos igazolás.")
    method = next((k for k, v in AUTHN_CLASS.items() if v == class_ref), "")
    return AssertionInfo(
        assertion_id=assertion_id,
        subject=subject,
        issuer=got_issuer,
        audience=audience,
        not_before=parse_datetime(cond.get("NotBefore", "")),
        not_on_or_after=parse_datetime(cond.get("NotOnOrAfter", "")),
        method=method,
    )
