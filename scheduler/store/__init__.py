"""Where jobs and tokens live: a small protocol with conditional updates, and its backends."""

from .protocol import AuditLog, JobPage, JobStore, StoreError, TokenStore
from .sqlite import SqliteStore

__all__ = ["AuditLog", "JobPage", "JobStore", "SqliteStore", "StoreError", "TokenStore"]
