-- Retention of complaints and commendations: "complaints" becomes a kind
-- of record a schedule applies to (closed ones, by when they were closed).
ALTER TABLE retention_schedules DROP CONSTRAINT retention_schedules_kind_check;
ALTER TABLE retention_schedules ADD CONSTRAINT retention_schedules_kind_check CHECK (kind IN ('calls', 'reports', 'persons', 'crisis_plans', 'complaints', 'sessions', 'audit'));
