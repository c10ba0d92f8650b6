"""The Zománc card service: a tiny HTTP server on the workstation (127.0.0.1 only) that lets
the browser page use the eID card through PKCS#11 — our stand-in for the eSzemélyi client of
the guide's steps 2–4.

Standalone on purpose: it runs on the user's machine, not on the product's server, so it
imports nothing from Django. Start: ``python -m zomanc.cardservice`` (or
``python manage.py card_service``). See docs/eeszt-module.md."""
