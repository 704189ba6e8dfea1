"""Signed webhooks to tenants (Standard Webhooks scheme), retried, logged, resendable."""
