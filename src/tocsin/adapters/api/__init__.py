"""The HTTP API (FastAPI). Handlers parse, authorise and call use cases; no business logic lives here."""
