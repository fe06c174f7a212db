-- Several servers, one picture (issue #21).
--
-- cluster_leader: the lease that makes exactly one server the leader (the one that holds the
-- MQTT session, writes telemetry and runs the rules). One row. A server takes it when it has
-- expired and renews it every second or so; each take adds one to `token`, the fencing token.
-- Times are the database's own clock (now()), so the servers' clocks do not matter.
--
-- ioc_fence(holder, token): the first statement of every transaction the leader writes while it
-- leads. It fails (SQLSTATE IOC01) unless that holder still has that token and the lease has not
-- run out, so a deposed leader's writes are refused by the database itself, whatever it believes.
-- FOR SHARE makes a take of the lease wait for the fenced transactions in flight, and those for it.
--
-- ioc_events: a notification after every statement that adds events, so the other servers read
-- the new events at once (server/cluster/follower.ts) instead of at their next poll.

-- Up Migration

CREATE TABLE cluster_leader (
  id          smallint    PRIMARY KEY CHECK (id = 1),
  holder      text        NOT NULL,
  -- Where the holder serves HTTP (for operators and for forwarding ingest).
  url         text,
  token       bigint      NOT NULL CHECK (token >= 1),
  taken_at    timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL
);

CREATE FUNCTION ioc_fence(p_holder text, p_token bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM cluster_leader
    WHERE id = 1 AND holder = p_holder AND token = p_token AND expires_at > clock_timestamp()
    FOR SHARE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'ioc_fence: % no longer leads with token %', p_holder, p_token USING ERRCODE = 'IOC01';
  END IF;
END $$;

CREATE FUNCTION ioc_notify_events() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('ioc_events', '');
  RETURN NULL;
END $$;

CREATE TRIGGER events_notify AFTER INSERT ON events
  FOR EACH STATEMENT EXECUTE FUNCTION ioc_notify_events();

-- Down Migration

DROP TRIGGER events_notify ON events;
DROP FUNCTION ioc_notify_events();
DROP FUNCTION ioc_fence(text, bigint);
DROP TABLE cluster_leader;
