"""Document verification engine (the `id_document` check).

Public API:
- `shared.documents.check.run_id_document(front, back, params, ctx) -> CheckResult`
- `shared.documents.check.extract_portrait(front) -> bytes | None` (portrait JPEG)
- `shared.documents.check.load()` / `warm_up()` (once per worker process, before ready)
- `shared.documents.params.IdDocumentParams`, `shared.documents.params.DocumentContext`
- `shared.blocklist.document_numbers.document_hash(country, type, number)` (blocklist fingerprints)
- `shared.documents.mrz.parse_mrz(...)` (ICAO 9303 parser/checker, usable on its own)
- `shared.documents.codes` (every warning/error code with its severity)
"""
