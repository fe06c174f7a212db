-- The system of record (issue #20): the event log of alerts, incidents and units, their
-- current state, the audit trail, accounts and sessions, wall display tokens, the device
-- registry and the ingest tokens. docs/storage.md, "PostgreSQL: the system of record",
-- explains each table. Applied by server/db/migrate.ts (node-pg-migrate, one transaction).
--
-- Conventions: ids are text (the server's own forms: al-…, inc-…, city-pack unit ids,
-- user and token ids); times are timestamptz (the records' epoch milliseconds fit exactly);
-- enumerations are CHECK constraints, so a new value is a reviewed migration.

-- Up Migration

-- ---------------------------------------------------------------- the event log

-- Append-only. A stream is one alert, incident or unit: (stream_type, stream_id). Its
-- events are numbered 1, 2, 3… and the unique key makes every command a compare-and-set:
-- a writer that read version n inserts version n+1, and of two writers that read the same
-- n exactly one insert succeeds; the other gets a unique violation (23505), i.e. `conflict`.
-- The key includes stream_type because unit ids come from city packs, which the server does
-- not name: a unit called like an incident must not block that incident's stream.
CREATE TABLE events (
  global_seq  bigserial PRIMARY KEY,
  stream_type text        NOT NULL CHECK (stream_type IN ('alert', 'incident', 'unit')),
  stream_id   text        NOT NULL CHECK (stream_id <> ''),
  version     integer     NOT NULL CHECK (version >= 1),
  type        text        NOT NULL CHECK (type <> ''),
  -- The entity's state after the event, or the event's own payload: what a reader replays.
  data        jsonb       NOT NULL,
  -- Who: a username, or `system` (rules, escalation, ingest).
  actor       text        NOT NULL,
  actor_role  text,
  at          timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT events_stream_version_key UNIQUE (stream_type, stream_id, version)
);
-- Charts and replays of one kind of stream over a window.
CREATE INDEX events_type_at_idx ON events (stream_type, at);

-- ---------------------------------------------------------------- current state

-- One row per entity, written in the same transaction as its event (version = the stream's
-- last version). `state` is the full domain object (contract/domain.ts); the other columns
-- are copies of the fields that queries filter and sort on. No foreign keys between these
-- tables: each is the projection of its own stream, written in any order.

-- Alert (contract/domain.ts). status = Alert.state.
CREATE TABLE alerts (
  id          text        PRIMARY KEY,
  version     integer     NOT NULL CHECK (version >= 1),
  state       jsonb       NOT NULL,
  status      text        NOT NULL CHECK (status IN ('active', 'acknowledged', 'cleared')),
  severity    text        NOT NULL CHECK (severity IN ('critical', 'major', 'minor', 'info')),
  rule        text        NOT NULL,
  dedupe_key  text        NOT NULL,
  source_kind text        NOT NULL,
  source_id   text        NOT NULL,
  ward_id     text,
  incident_id text,
  first_seen  timestamptz NOT NULL,
  last_seen   timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
-- At most one open alert per condition: a repeat updates it (the rule engine's dedupe),
-- and the database holds to it whichever server raised it.
CREATE UNIQUE INDEX alerts_open_dedupe_key ON alerts (dedupe_key) WHERE status <> 'cleared';
-- The alert queue: open alerts, most urgent and newest first.
CREATE INDEX alerts_open_idx ON alerts (severity, last_seen DESC) WHERE status <> 'cleared';
CREATE INDEX alerts_ward_idx ON alerts (ward_id, last_seen DESC);
CREATE INDEX alerts_incident_idx ON alerts (incident_id) WHERE incident_id IS NOT NULL;
CREATE INDEX alerts_updated_idx ON alerts (updated_at);

-- Incident (contract/domain.ts).
CREATE TABLE incidents (
  id              text        PRIMARY KEY,
  version         integer     NOT NULL CHECK (version >= 1),
  state           jsonb       NOT NULL,
  status          text        NOT NULL CHECK (status IN ('new', 'acknowledged', 'dispatched', 'on_scene', 'resolved', 'closed')),
  severity        text        NOT NULL CHECK (severity IN ('critical', 'major', 'minor', 'info')),
  type            text        NOT NULL,
  channel         text        NOT NULL,
  ward_id         text,
  unit_id         text,
  -- `<source>:<reference>` of a report or CAP message: the same report again finds this incident.
  external_ref    text,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  acknowledged_at timestamptz,
  resolved_at     timestamptz
);
CREATE INDEX incidents_open_idx ON incidents (severity, updated_at DESC) WHERE status <> 'closed';
CREATE INDEX incidents_ward_idx ON incidents (ward_id, created_at DESC);
CREATE INDEX incidents_unit_idx ON incidents (unit_id) WHERE unit_id IS NOT NULL;
CREATE INDEX incidents_external_ref_idx ON incidents (external_ref) WHERE external_ref IS NOT NULL;
-- "Incidents today", CSV export and response-time KPIs are windows on created_at.
CREATE INDEX incidents_created_idx ON incidents (created_at);

-- Unit (contract/domain.ts).
CREATE TABLE units (
  id          text        PRIMARY KEY,
  version     integer     NOT NULL CHECK (version >= 1),
  state       jsonb       NOT NULL,
  status      text        NOT NULL CHECK (status IN ('available', 'busy', 'off_duty')),
  kind        text        NOT NULL,
  incident_id text,
  updated_at  timestamptz NOT NULL
);
-- "Nearest available unit of a kind".
CREATE INDEX units_status_kind_idx ON units (status, kind);
CREATE INDEX units_incident_idx ON units (incident_id) WHERE incident_id IS NOT NULL;

-- ---------------------------------------------------------------- the audit trail

-- Every login, failed login and command, refused ones included: who (actor, role, address),
-- what (entity, type), on what (target) and how it ended (result). Append-only, like events.
CREATE TABLE audit (
  id      bigserial   PRIMARY KEY,
  at      timestamptz NOT NULL DEFAULT now(),
  -- alert, incident, unit, auth, ingest (server/events/log.ts EventEntity), device…
  entity  text        NOT NULL CHECK (entity <> ''),
  type    text        NOT NULL CHECK (type <> ''),
  target  text,
  actor   text        NOT NULL,
  role    text,
  address text,
  result  text        NOT NULL DEFAULT 'ok' CHECK (result IN ('ok', 'refused')),
  note    text        CHECK (length(note) <= 2000)
);
CREATE INDEX audit_entity_at_idx ON audit (entity, at);
CREATE INDEX audit_target_idx ON audit (target);
-- GET /api/audit without an entity, and "what did this officer do".
CREATE INDEX audit_at_idx ON audit (at);
CREATE INDEX audit_actor_at_idx ON audit (actor, at);

-- events and audit are append-only: an UPDATE or DELETE is an error, whoever sends it.
CREATE FUNCTION ioc_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION ioc_append_only();
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION ioc_append_only();

-- ---------------------------------------------------------------- accounts (server/auth/store.ts)

-- UserRecord. Usernames are stored lower-case (the service lower-cases what is typed).
CREATE TABLE users (
  id            text        PRIMARY KEY,
  username      text        NOT NULL CHECK (username <> '' AND username = lower(username)),
  display_name  text        NOT NULL,
  role          text        NOT NULL CHECK (role IN ('admin', 'supervisor', 'duty_officer', 'responder', 'wall')),
  -- A responder's unit (a city-pack id, so no foreign key).
  unit_id       text,
  password_hash text        NOT NULL,
  disabled      boolean     NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_username_key UNIQUE (username)
);

-- SessionRecord: one login. Only SHA-256 hashes of refresh tokens are kept; the previous
-- one too, so that a stolen token used after rotation is recognised (reuse ends the session).
CREATE TABLE sessions (
  id                    text        PRIMARY KEY,
  user_id               text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  refresh_hash          text        NOT NULL,
  previous_refresh_hash text,
  created_at            timestamptz NOT NULL DEFAULT now(),
  expires_at            timestamptz NOT NULL,
  last_used_at          timestamptz NOT NULL DEFAULT now(),
  ip                    text,
  CONSTRAINT sessions_refresh_hash_key UNIQUE (refresh_hash)
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
-- Expired sessions are swept by expiry.
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- DisplayTokenRecord: a wall screen's token (hash only). expires_at null = until revoked.
CREATE TABLE display_tokens (
  id         text        PRIMARY KEY,
  name       text        NOT NULL,
  token_hash text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text        NOT NULL,
  revoked_at timestamptz,
  expires_at timestamptz,
  CONSTRAINT display_tokens_token_hash_key UNIQUE (token_hash)
);

-- ---------------------------------------------------------------- devices and ingest (server/broker/devices.ts, server/ingest/tokens.ts)

-- DeviceRecord: who may log in to the embedded broker, as what kind, and (a `source`) as
-- which CAP senders. An empty cap_senders list means no CAP alert at all.
CREATE TABLE devices (
  id          text        PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  kind        text        NOT NULL CHECK (kind IN ('camera', 'station', 'link', 'source', 'frigate')),
  secret_hash text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  disabled    boolean     NOT NULL DEFAULT false,
  cap_senders text[]      NOT NULL DEFAULT '{}'
);

-- IngestTokenRecord: one sending system's token for POST /api/ingest/* (hash only), its
-- scopes and, for CAP, the senders it may send as. expires_at null = until revoked.
CREATE TABLE ingest_tokens (
  id         text        PRIMARY KEY,
  name       text        NOT NULL,
  senders    text[]      NOT NULL DEFAULT '{}',
  scopes     text[]      NOT NULL CHECK (scopes <@ ARRAY['cap', 'stations']::text[]),
  token_hash text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text        NOT NULL,
  expires_at timestamptz,
  revoked_at timestamptz,
  CONSTRAINT ingest_tokens_token_hash_key UNIQUE (token_hash)
);

-- Down Migration

DROP TABLE ingest_tokens;
DROP TABLE devices;
DROP TABLE display_tokens;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE audit;
DROP TABLE units;
DROP TABLE incidents;
DROP TABLE alerts;
DROP TABLE events;
DROP FUNCTION ioc_append_only();
