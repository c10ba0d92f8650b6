"""One authenticated NAV request as the operations receive it: api.py builds it after every
check, the operations in api.py and queries.py read it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from sandbox.nav.models import Taxpayer, TechnicalUser
from sandbox.nav.wire import Echo


@dataclass
class Call:
    """One authenticated request, handed to its operation."""

    root: etree._Element
    body: bytes
    echo: Echo
    at: dt.datetime
    taxpayer: Taxpayer
    user: TechnicalUser
    request_id: str
