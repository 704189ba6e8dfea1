"""A tenant's blocklist: faces, document numbers, emails and phone numbers."""
