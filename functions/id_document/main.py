"""`id_document`: reads and verifies the identity document (OCR, MRZ, barcodes, rules)."""

import functions_framework

from shared.checks.function import check_host
from shared.documents.check import warm_up
from shared.documents.platform import id_document_step

host = check_host("id_document", id_document_step, warm_up=warm_up)


@functions_framework.http
def id_document(request):
    return host(request)
