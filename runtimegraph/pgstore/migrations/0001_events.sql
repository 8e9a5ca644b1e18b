-- Events, one table partitioned by day (partitions are created by ingest as
-- data arrives). Text columns use the C collation so that comparisons, max()
-- and ORDER BY agree with Go's byte order. Absent strings are '' rather than
-- NULL, so an event reads back exactly as it was written.
CREATE TABLE events (
    ts           timestamptz NOT NULL,
    event_id     text COLLATE "C" NOT NULL,
    trace_id     text COLLATE "C" NOT NULL,
    event_type   text COLLATE "C" NOT NULL,
    service      text COLLATE "C" NOT NULL,
    operation    text COLLATE "C" NOT NULL,
    channel      text COLLATE "C" NOT NULL,
    message_type text COLLATE "C" NOT NULL,
    reply_type   text COLLATE "C" NOT NULL,
    system       text COLLATE "C" NOT NULL,
    message_id   text COLLATE "C" NOT NULL,
    parent_ids   text[] COLLATE "C",
    peer_service text COLLATE "C" NOT NULL,
    peer_virtual boolean NOT NULL,
    duration_us  bigint NOT NULL,
    status       text COLLATE "C" NOT NULL,
    error        text COLLATE "C" NOT NULL,
    tags         jsonb,
    PRIMARY KEY (ts, event_id)
) PARTITION BY RANGE (ts);

-- trace: one trace's events.
CREATE INDEX events_trace_id ON events (trace_id);
