"""`proof_of_address`: reads and checks a utility bill, statement or official letter."""

import functions_framework

from shared.poa.ocr import warm_up
from shared.poa.step import proof_of_address_step
from shared.runtime.check_function import check_host

host = check_host("proof_of_address", proof_of_address_step, warm_up=warm_up)


@functions_framework.http
def proof_of_address(request):
    return host(request)
