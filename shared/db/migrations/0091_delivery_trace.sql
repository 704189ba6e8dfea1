-- A retried webhook delivery continues the trace of the event that caused it.
ALTER TABLE webhook_deliveries ADD COLUMN traceparent text;
