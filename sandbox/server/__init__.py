"""Serving the sandbox: the mutual-TLS SOAP listener and the plain-HTTP portal listener."""
