"""Thin tasks (house style §5): they get an id, call one service, and are safe to run twice."""

from django.tasks import task

from zomanc.eeszt.outbox.services import outbox_item_deliver, outbox_sweep


@task
def outbox_deliver_task(item_id: int) -> None:
    outbox_item_deliver(item_id=item_id)


@task
def outbox_sweep_task() -> None:
    outbox_sweep()
