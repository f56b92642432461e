"""The `reunite` command.

`reunite link | dedupe | synth | evaluate | train` run the matching engine directly (pure
Python: no database, no settings needed). Everything else is a Django management
command: `reunite audit verify`, `reunite keys rotate`, `reunite demo`, `reunite org
create ...`; later capabilities add theirs as management commands.
"""

import os
import sys

ENGINE_COMMANDS = {
    "link": "main_link",
    "dedupe": "main_dedupe",
    "synth": "main_synth",
    "evaluate": "main_evaluate",
    "train": "main_train",
}


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in ENGINE_COMMANDS:
        from reunite.matching import cli

        sys.exit(getattr(cli, ENGINE_COMMANDS[args[0]])(args[1:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["reunite", *args])


if __name__ == "__main__":
    main()
