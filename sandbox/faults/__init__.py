"""Fault injection (latency, 503s, SERVICE_UNAVAILABLE, dropped connections, maintenance,
accept-then-time-out) and the counters that prove "nothing lost, nothing doubled"."""
