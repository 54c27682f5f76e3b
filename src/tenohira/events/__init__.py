"""Domain events: transactional outbox and at-least-once delivery (embedded or NATS JetStream)."""
