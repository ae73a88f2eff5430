"""`support` and `python -m supportcli`: a shell's completion request is answered first,
before the command line (typer, rich, the commands) is imported (see completion.py)."""

import os
import sys


def main() -> None:
    if os.environ.get("_SUPPORT_COMPLETE", "").startswith("complete_"):
        # Imported here: os and sys alone run before a completion's answer.
        from supportcli.completion import answer

        code = answer()
        if code is not None:
            sys.stdout.flush()
            os._exit(code)  # nothing else to run or to clean up: leave as soon as it is said
    # Imported here: after the completion's answer, which must not wait for it.
    from supportcli.cli.root import main as run

    run()


if __name__ == "__main__":
    main()
