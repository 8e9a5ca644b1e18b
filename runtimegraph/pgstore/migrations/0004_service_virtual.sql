-- A span importer makes the serve or consume event of a virtual peer (a
-- broker, an uninstrumented server) so that the graph shows the hop; the
-- event says so, and the graph keeps such a service marked virtual.
ALTER TABLE events ADD COLUMN service_virtual boolean NOT NULL DEFAULT false;
ALTER TABLE rollup_services ADD COLUMN service_virtual boolean NOT NULL DEFAULT false;
