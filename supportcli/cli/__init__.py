"""The command line: Typer apps, one module per group, joined in root.py.

Every command module is loaded for `support --help`, so command bodies import what they
run (the use case, the renderer, the prompts) inside the function: that is what keeps
`--help` and `support list` fast, and it is the one reason for an import inside a
function here."""
