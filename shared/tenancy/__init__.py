"""Tenants, headless registration, API keys and session tokens."""
