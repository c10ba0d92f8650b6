"""Every appointment reminder reaches the patient exactly once on each channel he consented
to, and never on another (issue 17, "Done means": exactly-once delivery under worker kills
and gateway failures).

The acceptance test runs the reminders' reliability scenario (zomanc/reminders/scenario.py)
as its own process against real processes: the sandbox's SMS gateway, an SMTP catcher,
`manage.py ox_worker`s killed with SIGKILL, a fresh database (SQLite with one worker;
PostgreSQL with two workers when DATABASE_URL is set, as in CI's second run). The EESZT and
NAV scenarios' runners are the model."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
APPOINTMENTS = 150
KILLS = 3


def _scenario(*args: str) -> dict[str, Any]:
    process = subprocess.Popen(
        [sys.executable, str(REPO / "manage.py"), "reminders_scenario", *args],
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = process.communicate(timeout=540)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGTERM)  # the command cleans up: workers, sandbox, db
        out, err = process.communicate(timeout=60)
        pytest.fail("the scenario did not finish in 9 minutes:\n" + err[-4000:])
    lines = [line for line in out.splitlines() if line.startswith("{")]
    assert lines, f"no result (exit {process.returncode}):\n{err[-4000:]}"
    result: dict[str, Any] = json.loads(lines[-1])
    print(json.dumps(result, indent=1, ensure_ascii=False))  # the figures, in the test log
    return result


@pytest.mark.e2e
def test_every_reminder_reaches_each_consented_channel_exactly_once_under_faults_and_kills() -> (
    None
):
    postgres = bool(os.environ.get("DATABASE_URL"))
    workers = 2 if postgres else 1
    result = _scenario(
        "--appointments", str(APPOINTMENTS), "--workers", str(workers), "--kills", str(KILLS)
    )  # 20 % SMS 503s, 15 lost SMS answers, 10 % SMTP 451s and one outage are the defaults
    assert result["database"] == ("postgresql" if postgres else "sqlite")
    config = result["config"]
    assert config["workers"] == workers and config["share_http_503"] == 0.20

    # The patients: both channels, e-mail only (never consented to SMS, or withdrew it after
    # booking), SMS only.
    patients = result["patients"]
    assert patients == {"email_and_sms": 106, "email_only": 30, "sms_only": 14}
    emails, sms_count = 136, 120

    # The disturbances really happened.
    mail, sms = result["mail"], result["sms"]
    assert mail["temp_fails_451"] > 0 and mail["outages"] == 1
    assert sms["resubmitted_refs"] > 0  # 503s and lost answers: the same client_ref again
    assert result["kills"]["done"] >= KILLS and result["kills"]["with_row_in_flight"] >= 1
    assert result["maintenance_windows"] == 1

    # Every reminder sent; one row per consented (appointment, channel), each SENT (e-mail)
    # or DELIVERED (SMS); the channels without consent have only "suppressed" log rows.
    rows = result["rows"]
    assert not result["timed_out"], rows
    assert rows["reminders"] == {"sent": APPOINTMENTS}
    assert rows["consented_pairs"] == emails + sms_count
    assert rows["consented_with_one_row"] == emails + sms_count
    assert rows["pairs_with_more_rows"] == 0 and rows["rows_on_refused_channel"] == []
    assert rows["rows_not_done_count"] == 0, rows["rows_not_done"]
    assert rows["by_channel_status"]["email"].get("sent") == emails
    assert rows["by_channel_status"]["sms"].get("delivered") == sms_count
    assert rows["message_ids"] == rows["rows"] == emails + sms_count

    # Counted at the SMTP catcher: one Message-ID per consented patient's appointment, the
    # links naming his own appointment; nothing to anyone without e-mail consent.
    assert mail["consented"] == mail["consented_with_exactly_one"] == emails
    assert mail["distinct_message_ids"] == emails and mail["not_our_message_id"] == 0
    assert mail["to_refused_channel"] == mail["to_strangers"] == 0
    assert mail["naming_another_appointment"] == 0
    # SMTP has no idempotency key: an attempt whose 250 was lost (a kill between the server's
    # answer and the row's record) is sent again with the same Message-ID, which mail clients
    # fold into one (docs/messaging.md). Such copies are counted, and each must be a retry of
    # its one row — never a second row or a second message id.
    for copied in mail["copied_rows"]:
        assert copied["attempts"] >= copied["copies"], copied
    assert mail["received"] == emails + mail["copies_of_one_message_id"]

    # Counted at the SMS gateway (its message log over its API): one message per consented
    # patient, client_refs unique and each one a row's, every one delivered.
    assert sms["messages"] == sms["distinct_client_refs"] == sms_count
    assert sms["consented"] == sms["consented_with_exactly_one"] == sms_count
    assert sms["statuses"] == {"delivered": sms_count}
    assert sms["client_ref_not_ours"] == sms["gateway_id_not_the_rows"] == 0
    assert sms["to_refused_channel"] == sms["to_strangers"] == 0
    assert sms["naming_another_appointment"] == 0

    assert result["problems"] == [] and result["ok"]
