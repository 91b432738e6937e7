"""Trained detection models: data, encoders, heads, training and evaluation."""
