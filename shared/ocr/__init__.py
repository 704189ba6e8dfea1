"""One PP-OCR engine per process, shared by the document and proof-of-address readers."""
