"""The pure core of the scheduler: jobs, their states and the placement policy. No I/O here."""
