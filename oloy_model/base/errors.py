"""Error and warning classes of the public API."""
from __future__ import annotations


class OloyInputError(ValueError):
    """Bad user input: the message names the file, the field and the offending value(s)."""


class DemographicWarning(UserWarning):
    """A value that is possible but demographically implausible, or an estimate worth a look."""


class InertKeyWarning(DemographicWarning):
    """A scenario key set to a non-default value that has no effect under the other settings."""
