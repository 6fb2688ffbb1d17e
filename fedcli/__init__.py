"""The `fedgate` command: one entry point for node, gateway, tokens and the demo federation."""
