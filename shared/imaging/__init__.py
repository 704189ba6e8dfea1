"""Image input: one guard for every engine (formats, header sizes, budgets, frames)."""
