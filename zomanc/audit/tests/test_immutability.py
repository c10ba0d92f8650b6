import pytest
from django.contrib import admin
from django.db import DatabaseError, connection, transaction
from django.test import Client

from zomanc.accounts.models import User
from zomanc.audit.models import AppendOnlyError, AuditAction, AuditEntry
from zomanc.audit.services import audit_record
from zomanc.conftest import PASSWORD, Personas


@pytest.fixture
def entry(personas: Personas) -> AuditEntry:
    return audit_record(
        practice=personas.practice_a,
        actor=personas.doctor.user,
        action=AuditAction.VIEW,
        object_type="patients.patient",
        object_id="1",
        patient_id=1,
        summary="Karton megtekintése",
    )


def test_existing_entry_cannot_be_saved(entry: AuditEntry) -> None:
    entry.summary = "átírva"
    with pytest.raises(AppendOnlyError):
        entry.save()
    assert AuditEntry.objects.get(pk=entry.pk).summary == "Karton megtekintése"


def test_entry_cannot_be_deleted(entry: AuditEntry) -> None:
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_queryset_update_and_delete_are_refused(entry: AuditEntry) -> None:
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(summary="x")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    # bulk_update joins the caller's transaction without a savepoint: give it its own.
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AuditEntry.objects.bulk_update([entry], ["summary"])
    assert AuditEntry.objects.count() == 1


def test_database_refuses_raw_update_and_delete(entry: AuditEntry) -> None:
    """On PostgreSQL the trigger of migration 0002 stops even raw SQL. SQLite has no such
    trigger (the migration installs it on PostgreSQL only; see docs/decisions.md), so there the
    model and queryset guards above are the protection and raw SQL goes through."""
    table = AuditEntry._meta.db_table
    statements = [
        f"UPDATE {table} SET summary = 'átírva' WHERE id = %s",  # noqa: S608 - fixed table name
        f"DELETE FROM {table} WHERE id = %s",  # noqa: S608
    ]
    for sql in statements:
        if connection.vendor == "postgresql":
            with (
                pytest.raises(DatabaseError, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(sql, [entry.pk])
            assert AuditEntry.objects.filter(pk=entry.pk, summary=entry.summary).exists()
        else:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [entry.pk])
                # Proves the statement ran (so the PostgreSQL branch tests a real refusal),
                # then rolls it back.
                transaction.set_rollback(True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_entry_append_only'"
            )
            assert cursor.fetchone() == (1,)


def test_admin_is_read_only_even_for_superusers(entry: AuditEntry) -> None:
    superuser = User.objects.create_superuser("root@zomanc.test", PASSWORD, full_name="Root")
    client = Client()
    client.force_login(superuser)
    model_admin = admin.site._registry[AuditEntry]
    request = client.get("/admin/").wsgi_request
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)
    assert client.get("/admin/audit/auditentry/").status_code == 200
    assert client.get(f"/admin/audit/auditentry/{entry.pk}/change/").status_code == 200
    assert client.get("/admin/audit/auditentry/add/").status_code == 403
    assert client.get(f"/admin/audit/auditentry/{entry.pk}/delete/").status_code == 403
    client.post(f"/admin/audit/auditentry/{entry.pk}/change/", {"summary": "átírva"})
    assert AuditEntry.objects.get(pk=entry.pk).summary == "Karton megtekintése"
