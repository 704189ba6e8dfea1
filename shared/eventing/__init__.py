"""Platform side of eventing: the transactional outbox and its relay."""
