-- IF NOT EXISTS throughout: builds made while this migration was being
-- written numbered it differently, so a schema of theirs may hold it already.
-- tracegraph collect now stages each OTLP export whole, as it arrived: one
-- row of staged_spans per export (trace_id '', the body an
-- ExportTraceServiceRequest protobuf) rather than one per trace of it, so
-- that staging costs one row and no re-encoding. Rows staged per trace by
-- earlier versions (trace_id set, the body a ResourceSpans) are still read
-- back and released as before.
--
-- An export's row is deleted once the events of every trace it carried are
-- stored. Until then, staged_done records the traces of still-staged
-- exports whose events are stored, so that a restart pairs again only what
-- was not stored, never a stored trace's leftover spans on their own. Each
-- row is the traces (trace_ids[i], in hex) of the exports (exports[i], by
-- seq) that one store write completed; seq comes from the same numbering as
-- staged_spans'.
CREATE TABLE IF NOT EXISTS staged_done (
    instance  text COLLATE "C" NOT NULL,
    seq       bigint NOT NULL,
    exports   bigint[] NOT NULL,
    trace_ids text[] COLLATE "C" NOT NULL,
    PRIMARY KEY (instance, seq)
);

-- An export's body is tens to hundreds of kilobytes, past the size at which
-- PostgreSQL compresses a value and moves it out of line. lz4 does that at
-- half the server's CPU of the default pglz (measured: 1.7 against 3.4 µs a
-- span for staging and releasing; no compression, 1.9, and more WAL). A
-- server before PostgreSQL 14, or built without lz4, keeps its default.
DO $$
BEGIN
    EXECUTE 'ALTER TABLE staged_spans ALTER COLUMN body SET COMPRESSION lz4';
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
    NULL;
END $$;
