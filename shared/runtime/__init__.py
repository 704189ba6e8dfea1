"""The small runtime every function shares: lifecycle, probes, metrics, CloudEvents over HTTP."""
