"""Thin tasks (house style §5): they get an id, call one service, and are safe to run twice."""

from django.tasks import task

from zomanc.nav.outbox import nav_submission_deliver, nav_sweep


@task
def nav_deliver_task(submission_id: int) -> None:
    nav_submission_deliver(submission_id=submission_id)


@task
def nav_sweep_task() -> None:
    nav_sweep()
