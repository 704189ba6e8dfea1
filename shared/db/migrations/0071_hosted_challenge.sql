-- The hosted liveness page shows the same pending challenge again when reopened (a reload,
-- or another browser on the same link) until it expires or frames are sent for it.
ALTER TABLE hosted_progress ADD COLUMN challenge jsonb;
