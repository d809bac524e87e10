"""Where jobs and tokens live: a small protocol with conditional updates, and its backends."""

from .dynamodb import DynamoStore
from .dynamodb_table import create_table
from .protocol import AuditLog, JobPage, JobStore, LogRow, NewJob, StoreError, TokenStore
from .sqlite import SqliteStore

__all__ = ["AuditLog", "DynamoStore", "JobPage", "JobStore", "LogRow", "NewJob", "SqliteStore", "StoreError",
           "TokenStore", "create_table"]
