"""The one wire adapter to EESZT: SOAP over mutual TLS, no Django models."""
