"""Where jobs and tokens live: a small protocol with conditional updates, and its backends."""

from .protocol import AuditLog, JobPage, JobStore, StoreError, TokenStore
from .sqlite import SqliteJobStore

__all__ = ["AuditLog", "JobPage", "JobStore", "SqliteJobStore", "StoreError", "TokenStore"]
