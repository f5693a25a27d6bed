"""Non-foundation-model references scored like any model."""
