"""`manage.py reminders_scenario`: the appointment reminders' reliability scenario
(zomanc/reminders/scenario.py) in this process, on a fresh database of the configured kind;
prints one JSON object.

Exit status: 0 when every consented appointment got exactly one reminder on each of its
channels and nothing went elsewhere, 2 when the JSON lists problems."""

import dataclasses
import json
import signal
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zomanc.reminders.scenario import ScenarioConfig, scenario_run


def _terminate(signum: int, frame: Any) -> None:
    # SIGTERM runs the cleanup (workers, sandbox, catcher, the fresh database) like Ctrl-C.
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = (
        "Időpont-emlékeztetők megbízhatósági forgatókönyve: friss adatbázis, valódi workerek, "
        "SMTP-fogó és SMS-átjáró hibákkal, SIGKILL; az eredmény JSON."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = ScenarioConfig()
        for f in dataclasses.fields(ScenarioConfig):
            flag = "--" + f.name.replace("_", "-")
            default = getattr(defaults, f.name)
            if isinstance(default, bool):
                parser.add_argument(flag, action="store_true", default=default)
            else:
                parser.add_argument(flag, type=type(default), default=default)
        parser.add_argument(
            "--no-faults",
            action="store_true",
            help="Hibainjektálás és kilövések nélkül (mérés).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        values = {f.name: options[f.name] for f in dataclasses.fields(ScenarioConfig)}
        if options["no_faults"]:
            values.update(
                share_http_503=0.0,
                sms_lose_answers=0,
                smtp_temp_fail_share=0.0,
                maintenance_seconds=0.0,
                kills=0,
            )
        signal.signal(signal.SIGTERM, _terminate)
        result = scenario_run(ScenarioConfig(**values))
        self.stdout.write(json.dumps(result, ensure_ascii=False, default=str))
        if not result["ok"]:
            sys.exit(2)
