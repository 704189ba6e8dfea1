"""The hosted verification flow: the pages an end user opens from `verification_url`."""
