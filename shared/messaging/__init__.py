"""Delivering messages to people: registration codes and one-time codes."""
