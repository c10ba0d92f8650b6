"""Extension points of the chart's templates, so other apps add menu items without editing
clinical templates: append a template name in your AppConfig.ready().

- VISIT_ACTION_TEMPLATES: rendered inside each visit's "Műveletek" menu (an <li> each), with
  `visit`, `patient`, `member`, `can` in the context (EESZT: "Beutaló felhasználása").
  A closed visit's list item is cached (clinical/fragments.py) keyed by the visit, the
  practice and `can`, not by the member: on a closed visit such a template must render from
  `visit` and `can` alone (a form's CSRF token is detected: that item is not kept).
- ENTRY_BOX_MENU_TEMPLATES: rendered in the top-right corner of the activity entry box, with
  `patient`, `open_visit`, `member`, `can` (EESZT: "Továbbiak" and "…").
- CHART_PLANNED: functions patient → [(tooth, surfaces, name)] of treatments planned for the
  patient, drawn in the planned style on the *current* chart (the patient page's, an open
  visit's) — never on a chart as it stood at the end of a closed visit (plans).
- CHART_TEMPLATES: rendered under the current chart, beside its legend, with the chart's
  context (`patient`, `can`; plans: "Kezelés tervezése a kijelölt fogakra").
- ENTRY_BOX_CONTEXT: functions (request, patient, open_visit) → dict merged into the context
  of an open visit's entry box, for the ENTRY_BOX_PROCEDURE_TEMPLATES, which are rendered
  above the visit's procedures (plans: the open plan items offered, a recorded procedure's
  "Terv tétele elvégezve?").
- PROCEDURE_REMOVED: functions (procedure, actor user, request) called by the procedure's
  removal (the entry box's ✕, a correction) inside its transaction, before the row goes
  (plans: an item the procedure carried out is open again)."""

from collections.abc import Callable
from typing import Any

VISIT_ACTION_TEMPLATES: list[str] = []
ENTRY_BOX_MENU_TEMPLATES: list[str] = []
CHART_PLANNED: list[Callable[[Any], list[tuple[int, str, str]]]] = []
CHART_TEMPLATES: list[str] = []
ENTRY_BOX_CONTEXT: list[Callable[[Any, Any, Any], dict[str, Any]]] = []
ENTRY_BOX_PROCEDURE_TEMPLATES: list[str] = []
PROCEDURE_REMOVED: list[Callable[[Any, Any, Any], None]] = []
