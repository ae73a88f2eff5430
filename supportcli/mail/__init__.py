"""Email inquiries: drafting, composing the message, sending it, the outbox."""
