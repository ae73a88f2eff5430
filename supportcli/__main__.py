"""`support` and `python -m supportcli`: a shell's completion request is answered first,
before the command line (typer, rich, the commands) is imported (see completion.py)."""

import os


def main() -> None:
    if os.environ.get("_SUPPORT_COMPLETE", "").startswith("complete_"):
        # Imported here: nothing but os runs before a completion's answer.
        from supportcli.completion import answer

        code = answer()
        if code is not None:
            # Nothing else to run or to clean up: leave as soon as it is said (written and
            # flushed by answer; a reader gone away is no error here).
            os._exit(code)
    # Imported here: after the completion's answer, which must not wait for it.
    from supportcli.cli.root import main as run

    run()


if __name__ == "__main__":
    main()
