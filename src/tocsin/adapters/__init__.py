"""Adapters around the core: storage, the HTTP API, the CLI."""
