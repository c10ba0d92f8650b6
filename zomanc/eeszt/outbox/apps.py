"""The outbox's own Django app (label `eeszt_outbox`)."""

from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """The transactional outbox of EESZT submissions (S5, S6): rows written with the
    clinical change, delivered by workers, their state shown to the users."""

    name = "zomanc.eeszt.outbox"
    label = "eeszt_outbox"
    verbose_name = "EESZT beküldések"
