"""Face engine figures: `python -m bench.faces [--quick]`."""
