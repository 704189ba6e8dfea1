"""Stable warning codes of the `aml` check (API.md lists AML_POSSIBLE_MATCH)."""

AML_POSSIBLE_MATCH = (
    "AML_POSSIBLE_MATCH"  # a listed entity scores at or above the possible-match threshold
)
AML_REVIEW_REQUIRED = "AML_REVIEW_REQUIRED"  # a match scores at or above the review threshold
AML_IDENTIFIER_MATCH = (
    "AML_IDENTIFIER_MATCH"  # a screened identifier equals a listed one (decisive)
)
AML_CONFIRMED_MATCH = (
    "AML_CONFIRMED_MATCH"  # a match at or above the decline threshold (status failed)
)
AML_NO_LISTS_LOADED = "AML_NO_LISTS_LOADED"  # no sanctions list is loaded: screening cannot run
AML_INVALID_NAME = "AML_INVALID_NAME"  # the name is empty or has no letters after normalisation
AML_INVALID_DOB = "AML_INVALID_DOB"  # date of birth is not YYYY or YYYY-MM-DD
AML_INVALID_COUNTRY = "AML_INVALID_COUNTRY"  # country is not an ISO 3166-1 alpha-2 code
AML_INVALID_TYPE = "AML_INVALID_TYPE"  # type is not person or company
AML_LISTS_UNAVAILABLE = "AML_LISTS_UNAVAILABLE"  # the list store could not be read
