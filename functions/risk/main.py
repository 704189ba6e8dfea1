"""`risk`: network and velocity signals of the session and an explainable risk score."""

import functions_framework

from shared.risk.check import risk_step
from shared.runtime.check_function import check_host

host = check_host("risk", risk_step)


@functions_framework.http
def risk(request):
    return host(request)
