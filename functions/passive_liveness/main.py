"""`passive_liveness`: the face engine's passive_liveness check as a workflow step."""

import functions_framework

from shared.faces.models import warm_up_for
from shared.faces.step import passive_liveness_step
from shared.runtime.check_function import check_host

host = check_host(
    "passive_liveness", passive_liveness_step, warm_up=warm_up_for("passive_liveness")
)


@functions_framework.http
def passive_liveness(request):
    return host(request)
