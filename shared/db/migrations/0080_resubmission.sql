-- A session whose captures could not be read asks the end user to take them again
-- (`resubmission_requested`) instead of being declined; `resubmissions` counts the rounds.
ALTER TABLE sessions DROP CONSTRAINT sessions_status_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_status_check CHECK (status IN (
    'not_started', 'in_progress', 'in_review', 'approved', 'declined', 'expired',
    'abandoned', 'deleted', 'resubmission_requested'));
ALTER TABLE sessions ADD COLUMN resubmissions int NOT NULL DEFAULT 0;
