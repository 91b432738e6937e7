"""Ingest: turning what a platform sends into validated content items, record by record."""
