"""Verification sessions, their artifacts and their results."""
