"""Observability: structured logs with no personal data and OpenTelemetry traces."""

from __future__ import annotations

from pathlib import Path

from shared.config import Settings


def setup_observability(service: str, settings: Settings) -> None:
    """Logs, traces and metrics for this process, once, from the settings read at start."""
    from shared.observability import metrics
    from shared.observability.logs import configure_logging
    from shared.observability.tracing import configure_tracing

    configure_logging(service, settings.log_level, settings.log_format)
    configure_tracing(
        service, Path(settings.span_dir) if settings.span_dir else None, settings.tracing
    )
    metrics.configure(settings.metrics)
    if settings.tracing:
        from shared.observability.sql import install

        install()  # a client span per SQL statement (its text, never its parameters)
