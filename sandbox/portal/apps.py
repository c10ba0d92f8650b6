from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "sandbox.portal"
    label = "sandbox_portal"

    def ready(self) -> None:
        from sandbox.portal.seed import seed_portal
        from sandbox.registry import seed

        if seed_portal not in seed.EXTRA_SEEDERS:
            seed.EXTRA_SEEDERS.append(seed_portal)
