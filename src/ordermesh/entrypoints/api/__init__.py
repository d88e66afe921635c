"""The HTTP API: a FastAPI app built from a bootstrapped ``Application`` (docs/api.md)."""
