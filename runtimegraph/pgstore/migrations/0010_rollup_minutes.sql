-- IF NOT EXISTS throughout, as in 0008 and 0009.
-- The minute rollup: a window's whole slots of five minutes at its ends,
-- outside its whole hours, are read from these cells, and only its
-- partial slots from the events (pgstore's slotMinutes).
--
-- A group has about one event a minute, so a row per group and slot is
-- nearly a row per event: 1.44 M rows of one minute for 2 M events a day,
-- whose writing cost the server 5 s, more than ingest may grow by. So a
-- row is one slot of one flush (minute is the slot's first), its cells in
-- arrays. The server's cost of reading an array is mostly per element, so
-- the common fields are packed in pairs of 32 bits: cell i is group
-- cells[i] >> 32 with cells[i] & 0xffffffff events, seen first and last
-- times[i] >> 32 and times[i] & 0xffffffff microseconds after the slot's
-- start; its errors and reply type, when it has any, are in
-- error_gids and error_counts, reply_gids and replies. The histograms are
-- hist[j] & 0xffffffff events of group hist[j] >> 32 in bucket
-- hist_buckets[j]. A count past 32 bits is split in several elements, and
-- a send's group may have several (one per peer): all are summed as rows
-- are. Each row carries its day, for healDay's delete and for the index.
CREATE TABLE IF NOT EXISTS rollup_minute_flows (
    day          timestamptz NOT NULL,
    minute       timestamptz NOT NULL,
    cells        bigint[] NOT NULL,
    times        bigint[] NOT NULL,
    error_gids   integer[] NOT NULL,
    error_counts bigint[] NOT NULL,
    reply_gids   integer[] NOT NULL,
    replies      text[] COLLATE "C" NOT NULL,
    hist         bigint[] NOT NULL,
    hist_buckets bigint[] NOT NULL
);
CREATE INDEX IF NOT EXISTS rollup_minute_flows_day ON rollup_minute_flows (day, minute);

-- The arrays are tens of kilobytes: stored out of line, uncompressed.
-- Trying to compress them (pglz) doubled the cost of writing them, for
-- little gain.
ALTER TABLE rollup_minute_flows ALTER COLUMN cells SET STORAGE EXTERNAL, ALTER COLUMN times SET STORAGE EXTERNAL,
    ALTER COLUMN error_gids SET STORAGE EXTERNAL, ALTER COLUMN error_counts SET STORAGE EXTERNAL,
    ALTER COLUMN reply_gids SET STORAGE EXTERNAL, ALTER COLUMN replies SET STORAGE EXTERNAL,
    ALTER COLUMN hist SET STORAGE EXTERNAL, ALTER COLUMN hist_buckets SET STORAGE EXTERNAL;

-- The services of a minute are in their hour's row: bit m (0-59) of
-- minutes is set if the row's service recorded with its peer in minute m
-- of the hour, and of real_peer_minutes and real_service_minutes if one of
-- those events had the peer, or the service, not virtual. Rows written
-- before this migration have NULLs; their days are not minutely.
ALTER TABLE rollup_hour_services ADD COLUMN IF NOT EXISTS minutes bigint,
    ADD COLUMN IF NOT EXISTS real_peer_minutes bigint,
    ADD COLUMN IF NOT EXISTS real_service_minutes bigint;

-- Whether a day's minute cells are complete, as rollup_days.hourly is for
-- its hourly ones: days rolled up before this migration have none, and
-- their minutes are read from the events until a recomputation (HealStale,
-- ingest --repair) builds them.
ALTER TABLE rollup_days ADD COLUMN IF NOT EXISTS minutely boolean NOT NULL DEFAULT false;
ALTER TABLE rollup_days ALTER COLUMN minutely SET DEFAULT true;
