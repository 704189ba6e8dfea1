"""Local broker figures: ingress latency, ingress-to-subscriber latency, throughput."""
