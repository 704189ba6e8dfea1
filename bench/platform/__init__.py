"""Platform figures: function ready times and end-to-end session latency."""
