"""tocsin: a self-hosted, multilingual trust-and-safety engine.

Data flows one way: ingest -> detect -> decide -> act -> record.
"""

__version__ = "0.1.0"
