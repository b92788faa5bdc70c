-- Rollback points per host and component, as the agent reports them with its inventory:
-- the metrics endpoint sums them (upkeep_rollback_points) without asking any agent.
ALTER TABLE "host_inventory" ADD COLUMN "rollback_points" INTEGER NOT NULL DEFAULT 0;
