"""Delivering outbox events: the relay, NATS JetStream, signed webhooks (docs/events.md)."""
