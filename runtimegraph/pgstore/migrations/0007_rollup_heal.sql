-- Healing the rollup (see rollup.go). A day's generation changes each time
-- its rollup is recomputed from the events; a batch learns the generation
-- it was stored under, in its own transaction, and a flush adds only cells
-- of the generation the day still has. Cells a recomputation already
-- counted are so never added twice, whatever other stores still hold.
ALTER TABLE rollup_days ADD COLUMN gen bigint NOT NULL DEFAULT 0;

-- Per day and writing store, the events stored and not yet rolled up:
-- for every day, stored - rolled is the sum of its rows. A store holds the
-- advisory lock (classid 0x74677277, objid writer) while it lives, so the
-- rows of a writer that holds no lock are those of a store that died, and
-- their days are recomputed by the next ingest or Recorder flush.
CREATE TABLE rollup_writers (
    day    timestamptz NOT NULL,
    writer integer NOT NULL,
    n      bigint NOT NULL,
    PRIMARY KEY (day, writer)
);
-- Days left stale by stores of earlier versions: writer 0 is never alive.
INSERT INTO rollup_writers (day, writer, n)
SELECT day, 0, stored - rolled FROM rollup_days WHERE stored <> rolled;

-- What ingest has committed of each input file: one row per batch and
-- file, lines (from_line, to_line] of the file whose identity (size,
-- modification time, hashes of its head and tail) is file, with the events
-- the batch stored or found stored and the lines it rejected. A rerun
-- passes over the longest run of such ranges from line 0 unread.
CREATE TABLE ingest_progress (
    file      text COLLATE "C" NOT NULL,
    from_line bigint NOT NULL,
    to_line   bigint NOT NULL,
    events    bigint NOT NULL,
    rejected  bigint NOT NULL
);
CREATE INDEX ingest_progress_file ON ingest_progress (file, from_line);
