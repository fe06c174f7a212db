-- Several units per incident (issue #26): an incident's units are a list (Incident.units,
-- contract/domain.ts), each with its own part (dispatched, accepted, on scene, released);
-- the incident also says whether someone is hurt, how many, and the reporter's callback number.
--
-- incidents.unit_ids copies the units still working it, for "which incident is this unit on".
-- Current states written before are brought to the new shape here: a unit an open incident
-- had is its one unit (on scene if the incident was), a resolved or closed one's is released.
-- The event log keeps each event as it was written; readers of old events use
-- normalizeIncident (contract/domain.ts).

-- Up Migration

ALTER TABLE incidents ADD COLUMN unit_ids text[] NOT NULL DEFAULT '{}';

UPDATE incidents SET state = (state - 'unitId') || jsonb_build_object(
  'units', CASE WHEN unit_id IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object(
    'unitId', unit_id,
    'status', CASE status WHEN 'on_scene' THEN 'on_scene' WHEN 'dispatched' THEN 'dispatched' ELSE 'released' END,
    'dispatchedAt', (extract(epoch FROM updated_at) * 1000)::bigint,
    'dispatchedBy', 'system',
    'acceptedAt', NULL,
    'arrivedAt', NULL,
    'releasedAt', CASE WHEN status IN ('resolved', 'closed') THEN (extract(epoch FROM coalesce(resolved_at, updated_at)) * 1000)::bigint END
  )) END,
  'hurt', false,
  'injured', NULL,
  'callback', NULL
) WHERE NOT state ? 'units';

UPDATE incidents SET unit_ids = ARRAY[unit_id] WHERE unit_id IS NOT NULL AND status IN ('dispatched', 'on_scene');

DROP INDEX incidents_unit_idx;
ALTER TABLE incidents DROP COLUMN unit_id;
CREATE INDEX incidents_unit_ids_idx ON incidents USING gin (unit_ids);

-- Down Migration

ALTER TABLE incidents ADD COLUMN unit_id text;
UPDATE incidents SET unit_id = unit_ids[1];
DROP INDEX incidents_unit_ids_idx;
ALTER TABLE incidents DROP COLUMN unit_ids;
CREATE INDEX incidents_unit_idx ON incidents (unit_id) WHERE unit_id IS NOT NULL;
