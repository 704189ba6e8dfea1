"""The `risk` check: explainable network and velocity signals and a 0–100 risk score."""
