"""Tenant-defined workflows: steps, parameters and decision rules, versioned."""
