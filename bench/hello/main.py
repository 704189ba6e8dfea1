"""A bare functions-framework hello world: the baseline for function ready times."""

import functions_framework


@functions_framework.http
def hello(request):
    return "ok"
