"""The publishing HTTP API (docs/api.md): bearer tokens, publish and submissions."""
