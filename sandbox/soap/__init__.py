"""The SOAP 1.2 framework of the sandbox: one endpoint per service, XSD-first validation,
WS-Security (Timestamp + SAML assertion), the Context header, VMátrix checks, idempotency
by request id, faults. Services plug in declaratively (see docs/sandbox-internals.md)."""
