"""The codes of the `risk` check's signals (each also a warning when it adds to the score)."""

from __future__ import annotations

IP_PRIVATE_RANGE = "IP_PRIVATE_RANGE"  # the end user's address is private or reserved
IP_COUNTRY_UNKNOWN = "IP_COUNTRY_UNKNOWN"  # no country is registered for the address
IP_MULTIPLE_COUNTRIES = "IP_MULTIPLE_COUNTRIES"  # addresses in several countries
IP_DOCUMENT_COUNTRY_MISMATCH = (
    "IP_DOCUMENT_COUNTRY_MISMATCH"  # the IP country is not the document's issuing state
)
IP_PHONE_COUNTRY_MISMATCH = "IP_PHONE_COUNTRY_MISMATCH"  # IP country is not the phone's
PHONE_DOCUMENT_COUNTRY_MISMATCH = (
    "PHONE_DOCUMENT_COUNTRY_MISMATCH"  # the phone's country is not the document's
)
VELOCITY_DOCUMENT_NUMBER = "VELOCITY_DOCUMENT_NUMBER"  # document number in other sessions
VELOCITY_EMAIL = "VELOCITY_EMAIL"  # the email address was used in other recent sessions
VELOCITY_PHONE = "VELOCITY_PHONE"  # the phone number was used in other recent sessions
VELOCITY_DEVICE = "VELOCITY_DEVICE"  # the device was used in other recent sessions
VELOCITY_IP = "VELOCITY_IP"  # many recent sessions came from the same address
VELOCITY_FACE = "VELOCITY_FACE"  # the same face was in other recent sessions
DEVICE_AUTOMATION = "DEVICE_AUTOMATION"  # the browser reports automation or headless hints
DEVICE_TIMEZONE_MISMATCH = (
    "DEVICE_TIMEZONE_MISMATCH"  # the device's timezone is not one of the IP country's
)
DEVICE_FILE_UPLOAD = "DEVICE_FILE_UPLOAD"  # captures were uploaded from files, not the camera
DEVICE_HANDOFF = "DEVICE_HANDOFF"  # the flow moved to another device (QR code or link)
BEHAVIOUR_FAST_STEPS = "BEHAVIOUR_FAST_STEPS"  # capture steps done faster than a person can
BEHAVIOUR_RETAKES = "BEHAVIOUR_RETAKES"  # many captures had to be taken again

VELOCITY_CODES = {
    "document_number": VELOCITY_DOCUMENT_NUMBER,
    "email": VELOCITY_EMAIL,
    "phone": VELOCITY_PHONE,
    "device": VELOCITY_DEVICE,
    "ip": VELOCITY_IP,
    "face": VELOCITY_FACE,
}
