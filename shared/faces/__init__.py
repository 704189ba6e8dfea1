"""Face engine: detection and quality, 1:1 match, passive and active liveness, age, 1:N search.

Entry points for the platform live in `shared.faces.check` (one `run_<check>` per check) and
`shared.faces.search` (the in-memory 1:N index and `embed_face`).
"""
