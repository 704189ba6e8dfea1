"""Bench of the `nfc` check: `python -m bench.nfc`."""
