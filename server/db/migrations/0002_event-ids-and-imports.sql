-- Event ids and imports (issue #20).
--
-- event_id: a UUIDv7 given by the server when the event happens. The server writes its
-- events in ordered batches (server/db/journal.ts) and retries a batch whose answer it did
-- not get (the connection dropped while it committed). The id makes that retry harmless:
-- an event or audit row already stored is skipped, so nothing is written twice.
--
-- note on events: the note an officer gave with a command, or the rule's reason; the
-- Influx copy of the event log always carried it.
--
-- imports: what the one-time import of an installation's earlier stores (the InfluxDB
-- event log, data/auth/*.json, data/devices.json, data/ingest-tokens.json) found and
-- wrote, one row per source, so that it runs once (server/db/import.ts).

-- Up Migration

ALTER TABLE events ADD COLUMN event_id uuid;
ALTER TABLE events ADD COLUMN note text CHECK (length(note) <= 2000);
UPDATE events SET event_id = gen_random_uuid() WHERE event_id IS NULL;
ALTER TABLE events ALTER COLUMN event_id SET NOT NULL;
ALTER TABLE events ADD CONSTRAINT events_event_id_key UNIQUE (event_id);

ALTER TABLE audit ADD COLUMN event_id uuid;
ALTER TABLE audit ADD CONSTRAINT audit_event_id_key UNIQUE (event_id);

CREATE TABLE imports (
  source      text        PRIMARY KEY,
  imported_at timestamptz NOT NULL DEFAULT now(),
  report      jsonb       NOT NULL
);

-- Down Migration

DROP TABLE imports;
ALTER TABLE audit DROP CONSTRAINT audit_event_id_key;
ALTER TABLE audit DROP COLUMN event_id;
ALTER TABLE events DROP CONSTRAINT events_event_id_key;
ALTER TABLE events DROP COLUMN note;
ALTER TABLE events DROP COLUMN event_id;
