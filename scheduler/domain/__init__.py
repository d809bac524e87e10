"""The pure core of the scheduler: jobs, their states and the scheduling policy. No I/O here."""
