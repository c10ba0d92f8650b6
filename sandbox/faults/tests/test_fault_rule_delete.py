from __future__ import annotations

import pytest

from sandbox.faults.models import FaultRule
from sandbox.faults.services import fault_rule_delete, fault_rule_set

pytestmark = pytest.mark.django_db


def test_fault_rule_delete_removes_only_that_service() -> None:
    fault_rule_set(service="ekat", latency_ms=10)
    fault_rule_set(service="*", share_http_503=0.5)
    assert fault_rule_delete(service="ekat") is True
    assert fault_rule_delete(service="ekat") is False
    assert list(FaultRule.objects.values_list("service", flat=True)) == ["*"]
