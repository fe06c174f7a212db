-- Citizen requests over Open311 GeoReport v2 (issue #23, server/ingest/open311/).
--
-- A citizen app's api_key is an ingest token with scope `open311` (hashed like every other,
-- issued and revoked by an admin); indicator senders use scope `kpi`.
--
-- open311_requests: one row per request accepted, with the incident it became. Its status is
-- the incident's (read at each GET), so nothing here changes when officers work the incident.
-- Personal fields (email, phone, names, device) stay here and are never listed by GET.
-- `duplicates` counts the later requests recognised as this one (same service, near, soon after).

-- Up Migration

ALTER TABLE ingest_tokens DROP CONSTRAINT ingest_tokens_scopes_check;
ALTER TABLE ingest_tokens ADD CONSTRAINT ingest_tokens_scopes_check CHECK (scopes <@ ARRAY['cap', 'stations', 'open311', 'kpi']::text[]);

CREATE TABLE open311_requests (
  id            bigserial   PRIMARY KEY,
  service_code  text        NOT NULL,
  incident_id   text        NOT NULL,
  -- The ingest token (client app) that sent it.
  key_id        text        NOT NULL,
  device_id     text,
  lat           double precision,
  lon           double precision,
  address       text,
  description   text        NOT NULL DEFAULT '',
  media_url     text,
  email         text,
  phone         text,
  name          text,
  requested_at  timestamptz NOT NULL,
  duplicates    integer     NOT NULL DEFAULT 0
);
CREATE INDEX open311_requests_recent_idx ON open311_requests (service_code, requested_at DESC);
CREATE INDEX open311_requests_requested_idx ON open311_requests (requested_at DESC);

-- Down Migration

DROP TABLE open311_requests;
DELETE FROM ingest_tokens WHERE NOT scopes <@ ARRAY['cap', 'stations']::text[];
ALTER TABLE ingest_tokens DROP CONSTRAINT ingest_tokens_scopes_check;
ALTER TABLE ingest_tokens ADD CONSTRAINT ingest_tokens_scopes_check CHECK (scopes <@ ARRAY['cap', 'stations']::text[]);
