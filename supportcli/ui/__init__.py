"""Questions for people at a terminal. `prompts` is the only module importing questionary."""
