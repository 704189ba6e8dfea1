"""`face_match`: the face engine's face_match check as a workflow step."""

import functions_framework

from shared.faces.models import warm_up_for
from shared.faces.step import face_match_step
from shared.runtime.check_function import check_host

host = check_host("face_match", face_match_step, warm_up=warm_up_for("face_match"))


@functions_framework.http
def face_match(request):
    return host(request)
