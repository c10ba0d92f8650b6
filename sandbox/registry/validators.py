"""Identifier format rules (domain doc, "Identifiers and code sets")."""

from __future__ import annotations

import re

INSTITUTION_RE = re.compile(r"^[0-9A-Z]{6}$")
ORG_UNIT_RE = re.compile(r"^[0-9A-Z]{9}$")
STAMP_RE = re.compile(r"^[0-9]{5,6}$")


def taj_is_valid(value: str) -> bool:
    """9 digits, d9 = (3·(d1+d3+d5+d7) + 7·(d2+d4+d6+d8)) mod 10; 000000000 refused."""
    if len(value) != 9 or not value.isdigit() or value == "000000000":
        return False
    d = [int(c) for c in value]
    odd = d[0] + d[2] + d[4] + d[6]
    even = d[1] + d[3] + d[5] + d[7]
    return (3 * odd + 7 * even) % 10 == d[8]


def taj_with_check_digit(first8: str) -> str:
    d = [int(c) for c in first8]
    check = (3 * (d[0] + d[2] + d[4] + d[6]) + 7 * (d[1] + d[3] + d[5] + d[7])) % 10
    return first8 + str(check)
