"""Email and phone verification: validation facts and one-time codes."""
