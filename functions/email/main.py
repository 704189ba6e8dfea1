"""`email`: the email check, a verified one-time code plus what the address says."""

import functions_framework

from shared.contact.adapters import email_step
from shared.runtime.check_function import check_host

host = check_host("email", email_step)


@functions_framework.http
def email(request):
    return host(request)
