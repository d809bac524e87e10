"""The local stack for `make run`, `make demo` and the integration tests: real SeaweedFS, the
scheduler and one agent, all on loopback."""
