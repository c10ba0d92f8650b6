"""The visit list's items (patient page, history pages) served from a fragment cache.

Rendering one visit's <li> through the template engine (actions menu, EESZT badge,
diagnoses, procedures, links) costs ≈ 0.45 ms, and the patient page shows 20 of them on every
load (docs/benchmarks.md, "Patient page p95"). A closed visit is locked: its content changes
only through a correction (services/revisions.py), which saves the visit with the next
revision number (and a new `updated_at`). Its item otherwise changes with the states of its
EESZT outbox rows (the badge), its doctor's name, and who looks at it and how: practice,
permissions, language, time zone, URL prefix, the actions menu's extension templates. The
cache key is a digest of all of these, so nothing is ever invalidated: a changed input is a
new key and the old entry ages out unused.

The key needs the visits and their doctor, which the selectors load, and the states of their
outbox rows, read here in one query of two columns for the whole list; the rows themselves,
the diagnoses and the procedures are loaded (a query each for the whole list) only when some
item has to be rendered. Open visits change with every entry and are always rendered. An item
holding a CSRF token (an extension template adding a form) is never stored: the token is the
viewer's own.

The cache is the `fragments` alias (zomanc/settings.py), apart from the default cache, so
fragments pushing entries out cannot evict anything else (the daily insurance status)."""

import hashlib
from collections.abc import Iterable, Mapping, Sequence

from django.core.cache import caches
from django.template import Context
from django.urls import get_script_prefix, get_urlconf
from django.utils import timezone, translation

from zomanc.clinical.models import Visit, VisitStatus
from zomanc.clinical.selectors import visits_activities_load, visits_eeszt_states

CACHE_ALIAS = "fragments"
ITEM_TEMPLATE = "clinical/_visit_item.html"
# Bump when _visit_item.html, _visit_actions.html or the EESZT badge's markup changes: the
# entries made by the previous code then miss (a deploy restarts the processes anyway; this
# also covers a shared cache backend configured later).
MARKUP_VERSION = 2
_CSRF_FIELD = "csrfmiddlewaretoken"


def page_fingerprint(context: Context, *, clinical: bool) -> str:
    """What every item of one page depends on besides its visit: the viewer's practice (tenants
    never share an entry), the permissions the templates test, the language and time zone,
    where the URLs point, and the actions menu's extension templates (clinical.hooks)."""
    member = context.get("member")
    can: Mapping[str, bool] = context.get("can") or {}
    granted = sorted(name for name, allowed in can.items() if allowed)
    hooks = tuple(context.get("visit_action_templates") or ())
    return repr(
        (
            MARKUP_VERSION,
            getattr(member, "practice_id", None),
            clinical,
            granted,
            translation.get_language(),
            timezone.get_current_timezone_name(),
            get_script_prefix(),
            get_urlconf(),
            hooks,
        )
    )


def visit_fingerprint(visit: Visit, eeszt_states: Iterable[str]) -> str | None:
    """What the item of a closed visit depends on (`eeszt_states`: the states of its outbox
    rows, visits_eeszt_states), or None when it is not cacheable (open)."""
    if visit.status != VisitStatus.CLOSED:
        return None
    return repr(
        (
            visit.pk,
            visit.practice_id,
            visit.status,
            # Diagnoses and procedures change only with a correction: a new revision.
            visit.revision,
            visit.updated_at.isoformat() if visit.updated_at else None,
            visit.started_at.isoformat(),
            visit.referral_id is not None,
            visit.doctor_id,
            visit.doctor.display_name,
            # The badge shows the most urgent state among the rows (and links by visit id).
            sorted(str(state) for state in set(eeszt_states)),
        )
    )


def _key(page: str, visit: str) -> str:
    digest = hashlib.blake2b(f"{page}\x00{visit}".encode(), digest_size=20).hexdigest()
    return f"clinical:visit-item:{digest}"


def visit_items_render(context: Context, visits: Sequence[Visit]) -> str:
    """The <li> of each visit in order, as the include of ITEM_TEMPLATE in a loop would give:
    closed visits from the cache when there, the rest rendered (and stored when cacheable).
    One cache read and at most one write for the whole list."""
    clinical = bool(context.get("clinical"))
    keys: list[str | None] = [None] * len(visits)
    if clinical:
        page = page_fingerprint(context, clinical=clinical)
        states = visits_eeszt_states(visits)
        for index, visit in enumerate(visits):
            fingerprint = visit_fingerprint(visit, states.get(visit.pk, ()))
            if fingerprint is not None:
                keys[index] = _key(page, fingerprint)
    cache = caches[CACHE_ALIAS]
    hits: dict[str, str] = cache.get_many([key for key in keys if key is not None])
    if clinical:
        visits_activities_load(
            [v for v, k in zip(visits, keys, strict=True) if k is None or k not in hits]
        )
    template = context.template.engine.get_template(ITEM_TEMPLATE)  # type: ignore[union-attr]
    parts: list[str] = []
    new: dict[str, str] = {}
    for visit, key in zip(visits, keys, strict=True):
        if key is not None and key in hits:
            parts.append(hits[key])
            continue
        with context.push(visit=visit):
            html = str(template.render(context))
        if key is not None and _CSRF_FIELD not in html:
            # Keyed by the rows the item was rendered from: a row that changed state between
            # the two reads must not leave this rendering under the older state's key.
            rendered = visit_fingerprint(visit, (row.state for row in visit.eeszt_items.all()))
            if rendered is not None:
                new[_key(page, rendered)] = html
        parts.append(html)
    if new:
        cache.set_many(new)
    return "".join(parts)
