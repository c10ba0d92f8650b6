"""Where the sending side plugs into the recall list. The list's bulk selection (a checkbox
per recall, with the patient's consented channels) is drawn only when an action template is
registered here; messaging's AppConfig.ready appends its "send" action. Until then the list
has no checkbox and no button that would do nothing. The action posts the selected
`recall` values (Due.key) to its own view, which calls selectors.recall_selection."""

BULK_ACTION_TEMPLATES: list[str] = []
