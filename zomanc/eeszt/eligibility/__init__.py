"""Eligibility: the TAJ / insurance check (TB-lámpa) through EESZT."""
