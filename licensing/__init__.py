"""Prices, checkout, licenses and activations (later issues)."""
