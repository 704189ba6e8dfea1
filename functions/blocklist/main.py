"""`blocklist`: the session's email, phone and document number against the tenant's list."""

import functions_framework

from shared.blocklist.step import blocklist_step
from shared.faces.models import warm_up_for
from shared.runtime.check_function import check_host

host = check_host("blocklist", blocklist_step, warm_up=warm_up_for("blocklist"))


@functions_framework.http
def blocklist(request):
    return host(request)
