"""Logging in to EESZT (eID card, token, mobile app), the login page, the header status."""
