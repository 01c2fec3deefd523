-- 0009: feedback on an authentication event (AdminUpdateAuthEventFeedback).
-- An empty feedback_value means none was given; AdminListUserAuthEvents then
-- shows no EventFeedback.
ALTER TABLE auth_events ADD COLUMN feedback_value    TEXT    NOT NULL DEFAULT '';
ALTER TABLE auth_events ADD COLUMN feedback_provider TEXT    NOT NULL DEFAULT '';
ALTER TABLE auth_events ADD COLUMN feedback_at       INTEGER NOT NULL DEFAULT 0;
