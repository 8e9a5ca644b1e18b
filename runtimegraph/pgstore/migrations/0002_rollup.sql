-- Duration quantization, the same function as runtimegraph.Quantize: d
-- truncated to its four leading binary digits (8 buckets per power of two),
-- values under 16 kept. Flows report percentiles of these buckets. A plain
-- SQL function is inlined by the planner.
CREATE FUNCTION duration_bucket(d bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT CASE
        WHEN d < 16 THEN d
        WHEN d < 32 THEN d & -2
        WHEN d < 64 THEN d & -4
        WHEN d < 128 THEN d & -8
        WHEN d < 256 THEN d & -16
        WHEN d < 512 THEN d & -32
        WHEN d < 1024 THEN d & -64
        WHEN d < 2048 THEN d & -128
        WHEN d < 4096 THEN d & -256
        WHEN d < 8192 THEN d & -512
        WHEN d < 16384 THEN d & -1024
        WHEN d < 32768 THEN d & -2048
        WHEN d < 65536 THEN d & -4096
        WHEN d < 131072 THEN d & -8192
        WHEN d < 262144 THEN d & -16384
        WHEN d < 524288 THEN d & -32768
        WHEN d < 1048576 THEN d & -65536
        WHEN d < 2097152 THEN d & -131072
        WHEN d < 4194304 THEN d & -262144
        WHEN d < 8388608 THEN d & -524288
        WHEN d < 16777216 THEN d & -1048576
        WHEN d < 33554432 THEN d & -2097152
        WHEN d < 67108864 THEN d & -4194304
        WHEN d < 134217728 THEN d & -8388608
        WHEN d < 268435456 THEN d & -16777216
        WHEN d < 536870912 THEN d & -33554432
        WHEN d < 1073741824 THEN d & -67108864
        WHEN d < 2147483648 THEN d & -134217728
        WHEN d < 4294967296 THEN d & -268435456
        WHEN d < 8589934592 THEN d & -536870912
        WHEN d < 17179869184 THEN d & -1073741824
        WHEN d < 34359738368 THEN d & -2147483648
        WHEN d < 68719476736 THEN d & -4294967296
        WHEN d < 137438953472 THEN d & -8589934592
        WHEN d < 274877906944 THEN d & -17179869184
        WHEN d < 549755813888 THEN d & -34359738368
        WHEN d < 1099511627776 THEN d & -68719476736
        WHEN d < 2199023255552 THEN d & -137438953472
        WHEN d < 4398046511104 THEN d & -274877906944
        WHEN d < 8796093022208 THEN d & -549755813888
        WHEN d < 17592186044416 THEN d & -1099511627776
        WHEN d < 35184372088832 THEN d & -2199023255552
        WHEN d < 70368744177664 THEN d & -4398046511104
        WHEN d < 140737488355328 THEN d & -8796093022208
        WHEN d < 281474976710656 THEN d & -17592186044416
        WHEN d < 562949953421312 THEN d & -35184372088832
        WHEN d < 1125899906842624 THEN d & -70368744177664
        WHEN d < 2251799813685248 THEN d & -140737488355328
        WHEN d < 4503599627370496 THEN d & -281474976710656
        WHEN d < 9007199254740992 THEN d & -562949953421312
        WHEN d < 18014398509481984 THEN d & -1125899906842624
        WHEN d < 36028797018963968 THEN d & -2251799813685248
        WHEN d < 72057594037927936 THEN d & -4503599627370496
        WHEN d < 144115188075855872 THEN d & -9007199254740992
        WHEN d < 288230376151711744 THEN d & -18014398509481984
        WHEN d < 576460752303423488 THEN d & -36028797018963968
        WHEN d < 1152921504606846976 THEN d & -72057594037927936
        WHEN d < 2305843009213693952 THEN d & -144115188075855872
        WHEN d < 4611686018427387904 THEN d & -288230376151711744
        ELSE d & -576460752303423488
    END $$;

-- The rollup: per day, what the observed graph needs of the events, small
-- enough that the graph of whole days is computed from it without touching
-- the events. Rows are only added (each flush of a store adds its own);
-- queries sum them.
--
-- rollup_groups names the groups the graph measures: consume and serve
-- events by (peer, service, channel, message type, system), publish and
-- request events the same with peer '' (sends are grouped without it).
CREATE TABLE rollup_groups (
    gid          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_type   text COLLATE "C" NOT NULL,
    peer         text COLLATE "C" NOT NULL,
    service      text COLLATE "C" NOT NULL,
    channel      text COLLATE "C" NOT NULL,
    message_type text COLLATE "C" NOT NULL,
    system       text COLLATE "C" NOT NULL,
    UNIQUE (event_type, peer, service, channel, message_type, system)
);

-- A group's measures of a day: count, errors, first and last sight, the
-- greatest reply type.
CREATE TABLE rollup_flows (
    day        timestamptz NOT NULL,
    gid        integer NOT NULL,
    n          bigint NOT NULL,
    errors     bigint NOT NULL,
    first_ts   timestamptz NOT NULL,
    last_ts    timestamptz NOT NULL,
    reply_type text COLLATE "C" NOT NULL
);
CREATE INDEX rollup_flows_day ON rollup_flows (day);

-- A group's duration histogram of a day: events per bucket (at most 8 per
-- power of two), from which percentiles are exact for quantized durations.
CREATE TABLE rollup_hist (
    day    timestamptz NOT NULL,
    gid    integer NOT NULL,
    bucket bigint NOT NULL,
    n      bigint NOT NULL
);
CREATE INDEX rollup_hist_day ON rollup_hist (day);

-- The services of every event of a day: who recorded with which peer, and
-- whether that peer was virtual in all of them.
CREATE TABLE rollup_services (
    day          timestamptz NOT NULL,
    service      text COLLATE "C" NOT NULL,
    peer_service text COLLATE "C" NOT NULL,
    peer_virtual boolean NOT NULL
);
CREATE INDEX rollup_services_day ON rollup_services (day);

-- Which days the rollup covers: stored counts the events each batch wrote
-- (in the batch's transaction), rolled the events flushed into the rollup
-- (in the flush's transaction). A day is answered from the rollup only when
-- the two agree; otherwise from the events, with the same definitions.
CREATE TABLE rollup_days (
    day    timestamptz PRIMARY KEY,
    stored bigint NOT NULL DEFAULT 0,
    rolled bigint NOT NULL DEFAULT 0
);
