"""XML namespaces used on the wire."""

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
COMMON = "urn:zomanc:eeszt-sandbox:common:v1"


def service_ns(service: str) -> str:
    return f"urn:zomanc:eeszt-sandbox:{service}:v1"
