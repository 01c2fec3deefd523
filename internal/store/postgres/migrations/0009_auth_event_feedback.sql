-- 0009: feedback on an authentication event (AdminUpdateAuthEventFeedback).
-- An empty feedback_value means none was given; AdminListUserAuthEvents then
-- shows no EventFeedback.
ALTER TABLE auth_events ADD COLUMN feedback_value    text   NOT NULL DEFAULT '';
ALTER TABLE auth_events ADD COLUMN feedback_provider text   NOT NULL DEFAULT '';
ALTER TABLE auth_events ADD COLUMN feedback_at       bigint NOT NULL DEFAULT 0;
