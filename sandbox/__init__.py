"""Zománc EESZT sandbox: a separate Django project that plays the national side.

It speaks our own SOAP 1.2 contract over mutual TLS and must never import the practice
system (``zomanc``): the two only meet over the wire (see tests/test_isolation.py).
"""
