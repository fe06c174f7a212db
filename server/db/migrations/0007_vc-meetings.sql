-- Video-conference meetings (issue #23, server/vc/): what supervisors schedule, and which
-- points must join. A meeting is cancelled, never deleted, so the alerts it raised still
-- name something that existed.

-- A video-conference point is a device kind of its own on the embedded broker: it publishes
-- ioc/v1/vc/<its id>/status only.

-- Up Migration

ALTER TABLE devices DROP CONSTRAINT devices_kind_check;
ALTER TABLE devices ADD CONSTRAINT devices_kind_check CHECK (kind IN ('camera', 'station', 'link', 'source', 'frigate', 'vc'));

CREATE TABLE vc_meetings (
  id            text        PRIMARY KEY,
  title         text        NOT NULL,
  starts_at     timestamptz NOT NULL,
  duration_min  integer     NOT NULL CHECK (duration_min BETWEEN 5 AND 720),
  point_ids     text[]      NOT NULL,
  created_by    text        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  cancelled_at  timestamptz
);
CREATE INDEX vc_meetings_starts_idx ON vc_meetings (starts_at) WHERE cancelled_at IS NULL;

-- Down Migration

DROP TABLE vc_meetings;
DELETE FROM devices WHERE kind = 'vc';
ALTER TABLE devices DROP CONSTRAINT devices_kind_check;
ALTER TABLE devices ADD CONSTRAINT devices_kind_check CHECK (kind IN ('camera', 'station', 'link', 'source', 'frigate'));
