"""`email`: the email check, a verified one-time code plus what the address says."""

import functions_framework

from shared.checks.function import check_host
from shared.contact.adapters import email_step

host = check_host("email", email_step)


@functions_framework.http
def email(request):
    return host(request)
