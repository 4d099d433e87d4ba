"""The one error hierarchy of casemap; messages are Chinese and speak to inspectors."""

from __future__ import annotations


class CasemapError(Exception):
    """Base of every error casemap reports to a user."""


class LedgerFormatError(CasemapError, ValueError):
    """A ledger or attribute table has a missing, unknown or malformed field."""


class LedgerCellError(LedgerFormatError):
    """One ledger cell cannot be read: ``reason`` says why, ``value`` is the cell, ``field`` its label if known."""

    def __init__(self, reason: str, *, value: object = None, field: str = "") -> None:
        self.reason, self.value, self.field = reason, value, field
        super().__init__(reason)


class GeometryError(CasemapError, ValueError):
    """A geometry is missing, invalid, or cannot lie in the county."""


class CRSError(CasemapError, ValueError):
    """Data has no CRS, an unknown CRS, or coordinates that do not fit the CRS it declares."""


class ValidationError(CasemapError, ValueError):
    """A case or permit breaks a domain rule (category, township, date, area)."""


class ConflictError(CasemapError):
    """A record changed since it was read; nothing was overwritten."""


class AuthenticationError(CasemapError):
    """A login failed: unknown user, wrong password, disabled or locked account, expired session."""


class PermissionDeniedError(CasemapError):
    """The logged-in account's role or township does not allow this read or change."""


class StoreError(CasemapError):
    """The case store cannot be opened, read or migrated."""


class RowErrors(CasemapError, ValueError):
    """Several rows of one input are bad; nothing was written.

    ``errors`` holds one message per bad row, each naming the row and field.
    """

    def __init__(self, errors: list[str], *, source: str = "") -> None:
        self.errors = list(errors)
        head = f"{source}：" if source else ""
        super().__init__(
            f"{head}发现 {len(self.errors)} 处错误，未写入任何数据：\n" + "\n".join(self.errors)
        )
