-- Evidence images (issue #22, docs/video.md).
--
-- evidence: the JPEGs cameras publish on ioc/v1/camera/{cameraId}/snapshot/{snapshotId}, one row
-- each, kept EVIDENCE_RETENTION_DAYS. A detection names its image by snapshot_id; every server of
-- a cluster serves it from here (GET /api/alerts/{id}/snapshot.jpg), whichever one took it in.
-- A camera re-sending the same id keeps the first image: evidence is not rewritten.

-- Up Migration

CREATE TABLE evidence (
  camera_id    text        NOT NULL,
  snapshot_id  text        NOT NULL CHECK (snapshot_id ~ '^[A-Za-z0-9_.-]{1,64}$'),
  at           timestamptz NOT NULL,
  mime         text        NOT NULL,
  bytes        bytea       NOT NULL,
  PRIMARY KEY (camera_id, snapshot_id)
);
CREATE INDEX evidence_at_idx ON evidence (at);

-- Down Migration

DROP TABLE evidence;
