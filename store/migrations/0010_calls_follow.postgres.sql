-- Calls follow their assignments (issue 15): a call whose officers have all
-- cleared is "cleared" until the dispatcher closes it, and a CIT-requested
-- call that no CIT officer reached records why at close.
ALTER TABLE calls DROP CONSTRAINT calls_status_check;
ALTER TABLE calls ADD CONSTRAINT calls_status_check CHECK (status IN ('pending', 'dispatched', 'on_scene', 'cleared', 'closed'));
ALTER TABLE calls ADD COLUMN no_cit_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN no_cit_text TEXT NOT NULL DEFAULT '';
