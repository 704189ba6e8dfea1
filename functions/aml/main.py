"""`aml`: screens the session's subject against the loaded sanctions and PEP lists."""

import functions_framework

from shared.aml.check import warm_up
from shared.aml.step import aml_step
from shared.runtime.check_function import check_host

host = check_host("aml", aml_step, warm_up=warm_up)


@functions_framework.http
def aml(request):
    return host(request)
