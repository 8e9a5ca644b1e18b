-- IF NOT EXISTS throughout: builds made while this migration was being
-- written numbered it differently, so a schema of theirs may hold it already.
-- The hourly rollup: the same measures as the daily one, per UTC hour, so
-- that a window is answered from the daily cells for its whole days, from
-- these for its whole hours, and from the events only for the partial
-- hours at its ends. Each row carries its day as well: a day's
-- recomputation (healDay) deletes and rewrites its hourly cells with its
-- daily ones, under the same rollup_days row and generation. The index
-- leads with the day for that delete; queries bound both columns.
CREATE TABLE IF NOT EXISTS rollup_hour_flows (
    day        timestamptz NOT NULL,
    hour       timestamptz NOT NULL,
    gid        integer NOT NULL,
    n          bigint NOT NULL,
    errors     bigint NOT NULL,
    first_ts   timestamptz NOT NULL,
    last_ts    timestamptz NOT NULL,
    reply_type text COLLATE "C" NOT NULL,
    -- The group's duration histogram of the hour: counts[i] events in
    -- bucket buckets[i]. An hour has few events per group, so a row per
    -- bucket (as rollup_hist has per day) made about one row per event:
    -- flushing them made ingest a fifth slower (2 M events, 968,000 rows).
    buckets    bigint[] NOT NULL,
    counts     bigint[] NOT NULL
);
CREATE INDEX IF NOT EXISTS rollup_hour_flows_day ON rollup_hour_flows (day, hour);

CREATE TABLE IF NOT EXISTS rollup_hour_services (
    day             timestamptz NOT NULL,
    hour            timestamptz NOT NULL,
    service         text COLLATE "C" NOT NULL,
    peer_service    text COLLATE "C" NOT NULL,
    peer_virtual    boolean NOT NULL,
    service_virtual boolean NOT NULL
);
CREATE INDEX IF NOT EXISTS rollup_hour_services_day ON rollup_hour_services (day, hour);

-- Whether a day's hourly cells are complete. Days rolled up before this
-- migration have none: their whole days are still read from the daily
-- cells, their hours from the events, until a recomputation (the next
-- load's HealStale, or ingest --repair) builds them. Days first stored
-- after it have them from their first flush.
ALTER TABLE rollup_days ADD COLUMN IF NOT EXISTS hourly boolean NOT NULL DEFAULT false;
ALTER TABLE rollup_days ALTER COLUMN hourly SET DEFAULT true;
