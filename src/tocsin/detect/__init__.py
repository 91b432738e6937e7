"""Detect: detector plug-ins that turn content into signals."""
