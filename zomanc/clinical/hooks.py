"""Extension points of the chart's templates, so other apps add menu items without editing
clinical templates: append a template name in your AppConfig.ready().

- VISIT_ACTION_TEMPLATES: rendered inside each visit's "Műveletek" menu (an <li> each), with
  `visit`, `patient`, `member`, `can` in the context (EESZT: "Beutaló felhasználása").
  A closed visit's list item is cached (clinical/fragments.py) keyed by the visit, the
  practice and `can`, not by the member: on a closed visit such a template must render from
  `visit` and `can` alone (a form's CSRF token is detected: that item is not kept).
- ENTRY_BOX_MENU_TEMPLATES: rendered in the top-right corner of the activity entry box, with
  `patient`, `open_visit`, `member`, `can` (EESZT: "Továbbiak" and "…")."""

VISIT_ACTION_TEMPLATES: list[str] = []
ENTRY_BOX_MENU_TEMPLATES: list[str] = []
