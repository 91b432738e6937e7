"""Decide: policy files, loaded and validated, evaluated by the pure domain policy."""
