"""`nfc`: Passive and Active Authentication of the chip data groups the phone read."""

import functions_framework

from shared.checks.function import check_host
from shared.nfc.check import warm_up
from shared.nfc.platform import nfc_step

host = check_host("nfc", nfc_step, warm_up=warm_up)


@functions_framework.http
def nfc(request):
    return host(request)
