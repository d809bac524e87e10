"""S3's limits on multipart uploads, shared by the uploaders and the scheduler's validation."""

from __future__ import annotations

MIN_PART_BYTES = 5 * 1024**2  # every part but the last
MAX_PART_BYTES = 5 * 1024**3
MAX_PARTS = 10_000
