"""`phone`: the phone check, a verified one-time code plus what the number says."""

import functions_framework

from shared.contact.adapters import phone_step
from shared.runtime.check_function import check_host

host = check_host("phone", phone_step)


@functions_framework.http
def phone(request):
    return host(request)
