"""`active_liveness`: the face engine's active_liveness check as a workflow step."""

import functions_framework

from shared.faces.models import warm_up_for
from shared.faces.step import active_liveness_step
from shared.runtime.check_function import check_host

host = check_host("active_liveness", active_liveness_step, warm_up=warm_up_for("active_liveness"))


@functions_framework.http
def active_liveness(request):
    return host(request)
