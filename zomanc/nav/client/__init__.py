"""The one adapter that speaks NAV Online Számla 3.0's wire (docs/invoicing.md).

Nothing outside this package builds, signs, sends or parses a NAV message; it imports
nothing of Django's models, so it can be tested against the sandbox alone."""
