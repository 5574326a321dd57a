"""The publishing HTTP API (api.md sections 1, 2 and 4): bearer tokens, publish and submissions."""
