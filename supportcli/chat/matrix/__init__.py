"""The live counsellor: a chat handed to people at a Matrix homeserver (issue 22)."""
