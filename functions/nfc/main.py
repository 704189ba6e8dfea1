"""`nfc`: Passive and Active Authentication of the chip data groups the phone read."""

import functions_framework

from shared.faces.models import warm_up as warm_up_faces
from shared.faces.step import chip_face_match
from shared.nfc.check import warm_up
from shared.nfc.step import nfc_step
from shared.runtime.check_function import check_host


def _warm_up() -> None:
    warm_up()
    warm_up_faces("nfc")


def _step(inputs):
    return nfc_step(inputs, face_match=chip_face_match)


host = check_host("nfc", _step, warm_up=_warm_up)


@functions_framework.http
def nfc(request):
    return host(request)
