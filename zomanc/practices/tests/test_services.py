import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from zomanc.accounts.models import User
from zomanc.audit.models import AuditAction, AuditEntry
from zomanc.conftest import PASSWORD, Personas
from zomanc.practices import services
from zomanc.practices.models import Company, OrgUnit, Role, StaffMember


def errors_of(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


class TestCompanies:
    def test_create_normalizes_and_audits(self, personas: Personas) -> None:
        company = services.company_create(
            practice=personas.practice_a,
            actor=personas.owner.user,
            name=" Második Kft. ",
            institution_name="Mosoly 2",
            institution_id=" 12 ab3c ",
        )
        assert company.institution_id == "12AB3C"
        assert company.name == "Második Kft."
        entry = AuditEntry.objects.get(object_type="practices.company", object_id=str(company.pk))
        assert entry.action == AuditAction.CREATE
        assert entry.practice == personas.practice_a

    def test_institution_id_format_is_checked(self, personas: Personas) -> None:
        with pytest.raises(ValidationError) as exc:
            services.company_create(
                practice=personas.practice_a,
                actor=None,
                name="X",
                institution_name="X",
                institution_id="12345",
            )
        assert "6 karakter" in errors_of(exc)["institution_id"][0]
        assert not Company.objects.filter(name="X").exists()

    def test_institution_id_unique_in_practice_names_the_company(self, personas: Personas) -> None:
        with pytest.raises(ValidationError) as exc:
            services.company_create(
                practice=personas.practice_a,
                actor=None,
                name="Másolat",
                institution_name="X",
                institution_id="506097",
            )
        assert "Mosoly Fogászat Kft." in errors_of(exc)["institution_id"][0]
        # Another practice may have the same institution (a takeover, a second licence).
        services.company_create(
            practice=personas.practice_b,
            actor=None,
            name="B",
            institution_name="B",
            institution_id="506097",
        )

    def test_update_records_the_changes(self, personas: Personas) -> None:
        services.company_update(
            company=personas.company_a,
            actor=personas.owner.user,
            name="Új név Kft.",
            institution_name=personas.company_a.institution_name,
            institution_id="506097",
        )
        entry = AuditEntry.objects.get(action=AuditAction.UPDATE)
        assert entry.changes == {"name": ["Mosoly Fogászat Kft.", "Új név Kft."]}

    def test_deactivate_and_reactivate_never_delete(self, personas: Personas) -> None:
        services.company_deactivate(company=personas.company_a, actor=None)
        personas.company_a.refresh_from_db()
        assert not personas.company_a.is_active
        with pytest.raises(ValidationError):
            services.org_unit_create(
                company=personas.company_a, actor=None, code="123456789", name="x"
            )
        services.company_reactivate(company=personas.company_a, actor=None)
        personas.company_a.refresh_from_db()
        assert personas.company_a.is_active
        assert AuditEntry.objects.filter(object_type="practices.company").count() == 2


class TestOrgUnits:
    def test_create_checks_format_and_uniqueness(self, personas: Personas) -> None:
        unit = services.org_unit_create(
            company=personas.company_a, actor=None, code="00104430a", name="Szájsebészet"
        )
        assert unit.code == "00104430A"
        assert unit.practice_id == personas.practice_a.pk
        with pytest.raises(ValidationError) as exc:
            services.org_unit_create(
                company=personas.company_a, actor=None, code="001044299", name="Dupla"
            )
        assert "Fogászati rendelés" in errors_of(exc)["code"][0]
        with pytest.raises(ValidationError) as exc:
            services.org_unit_create(company=personas.company_a, actor=None, code="123", name="R")
        assert "9 karakter" in errors_of(exc)["code"][0]

    def test_unit_of_inactive_company_cannot_be_reactivated(self, personas: Personas) -> None:
        services.org_unit_deactivate(org_unit=personas.org_unit_a, actor=None)
        services.company_deactivate(company=personas.company_a, actor=None)
        with pytest.raises(ValidationError):
            services.org_unit_reactivate(org_unit=personas.org_unit_a, actor=None)
        services.company_reactivate(company=personas.company_a, actor=None)
        services.org_unit_reactivate(org_unit=personas.org_unit_a, actor=None)
        assert OrgUnit.objects.get(pk=personas.org_unit_a.pk).is_active


class TestStaff:
    def test_new_email_creates_user_and_sends_set_password_link(
        self, personas: Personas, django_capture_on_commit_callbacks
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            member = services.staff_member_create(
                practice=personas.practice_a,
                actor=personas.owner.user,
                email="Uj.Kollega@Mosoly.test",
                full_name="Új Kolléga",
                role=Role.ASSISTANT,
            )
        assert member.user.email == "uj.kollega@mosoly.test"
        assert not member.user.has_usable_password()
        assert member.display_name == "Új Kolléga"
        assert len(mail.outbox) == 1
        assert "Mosoly Fogászat" in mail.outbox[0].subject
        assert "/accounts/password/reset/" in mail.outbox[0].body
        assert mail.outbox[0].body.count("http://127.0.0.1:8000/") == 1

    def test_no_mail_when_the_transaction_fails(
        self, personas: Personas, django_capture_on_commit_callbacks
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
            services.staff_member_create(
                practice=personas.practice_a,
                actor=None,
                email="uj@mosoly.test",
                full_name="Új",
                role=Role.DOCTOR,
                stamp_number="58012",
            )
        assert mail.outbox == []
        assert not User.objects.filter(email="uj@mosoly.test").exists()

    def test_demo_loader_can_set_a_password(self, personas: Personas) -> None:
        member = services.staff_member_create(
            practice=personas.practice_b,
            actor=None,
            email="demo@masik.test",
            full_name="Demo Dóra",
            role=Role.RECEPTIONIST,
            password=PASSWORD,
        )
        assert member.user.check_password(PASSWORD)
        assert AuditEntry.objects.get(object_id=str(member.pk)).actor_name == "rendszer"

    def test_existing_user_joins_a_second_practice(self, personas: Personas) -> None:
        member = services.staff_member_create(
            practice=personas.practice_b,
            actor=personas.outsider.user,
            email="fogorvos@mosoly.test",
            role=Role.DOCTOR,
            stamp_number="58012",  # the same stamp is fine in another practice
        )
        assert member.user == personas.doctor.user
        assert member.display_name == "Dr. Fog Ferenc"
        assert User.objects.filter(email="fogorvos@mosoly.test").count() == 1

    def test_already_member_is_refused(self, personas: Personas) -> None:
        with pytest.raises(ValidationError) as exc:
            services.staff_member_create(
                practice=personas.practice_a,
                actor=None,
                email="recepcio@mosoly.test",
                role=Role.RECEPTIONIST,
            )
        assert "Recepciós Réka már munkatárs" in errors_of(exc)["email"][0]

    def test_new_user_needs_a_name(self, personas: Personas) -> None:
        with pytest.raises(ValidationError) as exc:
            services.staff_member_create(
                practice=personas.practice_a, actor=None, email="nev@nelkul.test", role="assistant"
            )
        assert "teljes nevet" in errors_of(exc)["full_name"][0]

    def test_stamp_number_unique_names_the_colleague(self, personas: Personas) -> None:
        with pytest.raises(ValidationError) as exc:
            services.staff_member_update(
                member=personas.doctor2,
                actor=None,
                role=Role.DOCTOR,
                display_name="Dr. Második Mária",
                stamp_number="58012",
            )
        assert errors_of(exc)["stamp_number"] == [
            "A(z) 58012 pecsétszám már Dr. Fog Ferenc munkatársé ebben a rendelőben."
        ]
        personas.doctor2.refresh_from_db()
        assert personas.doctor2.stamp_number == "61234"

    def test_stamp_number_format(self, personas: Personas) -> None:
        with pytest.raises(ValidationError) as exc:
            services.staff_member_update(
                member=personas.doctor2,
                actor=None,
                role=Role.DOCTOR,
                display_name="x",
                stamp_number="5801",
            )
        assert "5 számjegy" in errors_of(exc)["stamp_number"][0]

    def test_doctor_needs_a_stamp_number(self, personas: Personas) -> None:
        with pytest.raises(ValidationError) as exc:
            services.staff_member_update(
                member=personas.assistant,
                actor=None,
                role=Role.DOCTOR,
                display_name="Segítő Sára",
                stamp_number="",
            )
        assert "pecsétszámot" in errors_of(exc)["stamp_number"][0]

    def test_last_owner_cannot_be_demoted_or_deactivated(self, personas: Personas) -> None:
        with pytest.raises(ValidationError) as exc:
            services.staff_member_update(
                member=personas.owner,
                actor=None,
                role=Role.ASSISTANT,
                display_name="x",
                stamp_number="",
            )
        assert "legalább egy aktív tulajdonosa" in errors_of(exc)["role"][0]
        with pytest.raises(ValidationError):
            services.staff_member_deactivate(member=personas.owner, actor=None)
        services.staff_member_update(
            member=personas.doctor,
            actor=None,
            role=Role.OWNER,
            display_name="Dr. Fog Ferenc",
            stamp_number="58012",
        )
        services.staff_member_deactivate(member=personas.owner, actor=None)
        assert not StaffMember.objects.get(pk=personas.owner.pk).is_active

    def test_update_is_audited_with_changes(self, personas: Personas) -> None:
        services.staff_member_update(
            member=personas.receptionist,
            actor=personas.owner.user,
            role=Role.ASSISTANT,
            display_name="Recepciós Réka",
            stamp_number="",
        )
        entry = AuditEntry.objects.get(object_type="practices.staffmember")
        assert entry.changes == {"role": ["receptionist", "assistant"]}
        assert entry.actor == personas.owner.user


def test_practice_create_and_update(db: None) -> None:
    practice = services.practice_create(name=" Új Rendelő ")
    assert practice.name == "Új Rendelő"
    services.practice_update(
        practice=practice, actor=None, name="Új Rendelő", require_owner_2fa=True
    )
    practice.refresh_from_db()
    assert practice.require_owner_2fa
    assert AuditEntry.objects.get(practice=practice).changes == {"require_owner_2fa": [False, True]}
