"""The EESZT Django app (label `eeszt`); checks the vault's master keys at start-up."""

from django.apps import AppConfig


class EesztConfig(AppConfig):
    name = "zomanc.eeszt"
    label = "eeszt"
    verbose_name = "EESZT"

    def ready(self) -> None:
        # Fail at start-up, not at the first certificate upload, when the master keys are
        # malformed (or missing in production): a half-working vault is worse than none.
        from zomanc.eeszt.vault import master_keyring

        master_keyring()

        # S8, S9: eProfil in the entry box's "…" menu, "Beutaló felhasználása" on visits.
        from zomanc.clinical import hooks

        for name, registry in (
            ("eeszt/profile_entry_box_menu.html", hooks.ENTRY_BOX_MENU_TEMPLATES),
            ("eeszt/referral_visit_action.html", hooks.VISIT_ACTION_TEMPLATES),
        ):
            if name not in registry:
                registry.append(name)

        # S7: "Továbbiak" in the activity entry box (EHR documents, or why EESZT is off).
        from zomanc.clinical import hooks

        if "eeszt/_more_menu.html" not in hooks.ENTRY_BOX_MENU_TEMPLATES:
            hooks.ENTRY_BOX_MENU_TEMPLATES.append("eeszt/_more_menu.html")
