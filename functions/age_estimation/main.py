"""`age_estimation`: the face engine's age_estimation check as a workflow step."""

import functions_framework

from shared.faces.models import warm_up_for
from shared.faces.step import age_estimation_step
from shared.runtime.check_function import check_host

host = check_host("age_estimation", age_estimation_step, warm_up=warm_up_for("age_estimation"))


@functions_framework.http
def age_estimation(request):
    return host(request)
