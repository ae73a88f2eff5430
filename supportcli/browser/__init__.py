"""The full-screen history browser of `support history` at a terminal (issue 20).

Textual is imported by this package only, and this package only by `support history`
when both standard streams are terminals: `--help`, `list` and a piped `history` never
load it. `source` (the pages of the list and the filters) imports no Textual."""
