"""Chat consultations: the session loop (terminal-independent), the agents, the help
center they answer from."""
