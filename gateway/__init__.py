"""The central gateway: authenticates investigators, fans searches out to country nodes, merges answers."""
