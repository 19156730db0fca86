"""Domain errors of staff administration; the admin API maps each to one HTTP status."""

from __future__ import annotations


class StaffNotFound(LookupError):
    pass


class StaffExists(ValueError):
    pass


class DepartmentNotFound(LookupError):
    pass


class CannotDemoteSelf(ValueError):
    """An admin may not drop their own admin role or disable themselves (the agency could lock itself out)."""
