"""The `reunite` command: Django's management commands under one name.

`reunite audit verify`, `reunite demo`, `reunite org create ...`; later capabilities add
their subcommands as management commands, so they appear here by themselves.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["reunite", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
