"""`id_document`: reads and verifies the identity document (OCR, MRZ, barcodes, rules)."""

import functions_framework

from shared.documents.check import warm_up
from shared.documents.step import id_document_step
from shared.runtime.check_function import check_host

host = check_host("id_document", id_document_step, warm_up=warm_up)


@functions_framework.http
def id_document(request):
    return host(request)
