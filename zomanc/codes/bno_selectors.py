"""Reads of the BNO-10 table: the picker's search."""

import datetime as dt
import re

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from zomanc.codes.bno_services import text_fold
from zomanc.codes.models import BnoCode

PICKER_LIMIT = 25
_CODE_PREFIX = re.compile(r"^[A-Za-z][0-9][0-9A-Za-z.]{0,4}$|^[A-Za-z]$")
# Dental and oral codes (K00–K14) come first in the picker.
DENTAL_FROM, DENTAL_TO = "K00", "K15"


def bno_search(query: str, *, on_date: dt.date | None = None) -> QuerySet[BnoCode]:
    """Codes matching a code prefix ("k02", "K02.1") or every word of the name, accents and
    case ignored ("fogszuv", "gyökér"); dental codes first, then by code. Only codes valid on
    `on_date` when given."""
    query = query.strip()[:100]
    queryset = BnoCode.objects.all()
    if not query:
        queryset = queryset.filter(code__gte=DENTAL_FROM, code__lt=DENTAL_TO)
    elif _CODE_PREFIX.match(query):
        queryset = queryset.filter(code__startswith=query.upper().replace(".", ""))
    else:
        words = [w for w in text_fold(query).split() if w][:6]
        condition = Q()
        for word in words:
            condition &= Q(search_text__contains=word)
        queryset = queryset.filter(condition)
    if on_date is not None:
        queryset = queryset.filter(valid_from__lte=on_date, valid_to__gte=on_date)
    dental = Case(
        When(code__gte=DENTAL_FROM, code__lt=DENTAL_TO, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return queryset.annotate(dental_rank=dental).order_by("dental_rank", "code")[:PICKER_LIMIT]
