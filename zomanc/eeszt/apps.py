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
