-- tracegraph collect acknowledges an OTLP export only once its spans are
-- here, and deletes a trace's rows once the events paired from them are
-- stored: a crash loses nothing acknowledged, and a restart pairs again
-- what was held. Each row is one export's spans of one trace (a
-- ResourceSpans protobuf), numbered by the collect instance that took it.
CREATE TABLE staged_spans (
    instance text COLLATE "C" NOT NULL,
    seq      bigint NOT NULL,
    trace_id text COLLATE "C" NOT NULL,
    body     bytea NOT NULL,
    PRIMARY KEY (instance, seq)
);
