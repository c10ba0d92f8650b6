"""EESZT setup per company: settings, certificates, connection test, checklist, reference data."""
