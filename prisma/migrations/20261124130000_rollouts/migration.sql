-- Staged rollouts: the rollout with its frozen settings, its waves, its hosts, and approvals.
-- Jobs created by a rollout point back at it.

-- CreateEnum
CREATE TYPE "rollout_state" AS ENUM ('draft', 'awaiting_approval', 'scheduled', 'running', 'paused', 'completed', 'aborted', 'failed');

-- CreateEnum
CREATE TYPE "rollout_wave_state" AS ENUM ('pending', 'awaiting_approval', 'running', 'baking', 'completed', 'failed', 'reverted');

-- CreateEnum
CREATE TYPE "rollout_host_state" AS ENUM ('pending', 'waiting_offline', 'dispatched', 'succeeded', 'failed', 'rolled_back', 'skipped', 'reverted');

-- CreateEnum
CREATE TYPE "approval_decision" AS ENUM ('approve', 'reject');

-- CreateTable
CREATE TABLE "rollouts" (
    "id" UUID NOT NULL,
    "component_name" TEXT NOT NULL,
    "environment" TEXT NOT NULL,
    "target_version" TEXT NOT NULL,
    "target_spec" JSONB NOT NULL,
    "selector" JSONB NOT NULL,
    "settings" JSONB NOT NULL,
    "state" "rollout_state" NOT NULL DEFAULT 'draft',
    "current_wave" INTEGER NOT NULL DEFAULT 0,
    "reason" TEXT,
    "required_approvals" INTEGER NOT NULL DEFAULT 0,
    "forbid_self_approval" BOOLEAN NOT NULL DEFAULT true,
    "rollback_on_abort" BOOLEAN NOT NULL DEFAULT false,
    "revision" INTEGER NOT NULL DEFAULT 0,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "rollouts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rollout_waves" (
    "id" UUID NOT NULL,
    "rollout_id" UUID NOT NULL,
    "wave_index" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "state" "rollout_wave_state" NOT NULL DEFAULT 'pending',
    "size" TEXT NOT NULL,
    "max_parallel" INTEGER NOT NULL,
    "bake_seconds" INTEGER NOT NULL,
    "failure_threshold" TEXT NOT NULL,
    "approval" BOOLEAN NOT NULL DEFAULT false,
    "started_at" TIMESTAMPTZ(3),
    "bake_started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "rollout_waves_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rollout_hosts" (
    "id" UUID NOT NULL,
    "rollout_id" UUID NOT NULL,
    "host_id" UUID NOT NULL,
    "wave_index" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "hostname" TEXT NOT NULL,
    "state" "rollout_host_state" NOT NULL DEFAULT 'pending',
    "decision" TEXT NOT NULL,
    "from_version" TEXT,
    "job_id" UUID,
    "revert_job_id" UUID,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "message" TEXT NOT NULL DEFAULT '',
    "waiting_since" TIMESTAMPTZ(3),
    "dispatched_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rollout_hosts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rollout_approvals" (
    "id" UUID NOT NULL,
    "rollout_id" UUID NOT NULL,
    "wave_index" INTEGER,
    "actor" TEXT NOT NULL,
    "decision" "approval_decision" NOT NULL,
    "comment" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rollout_approvals_pkey" PRIMARY KEY ("id")
);

-- AlterTable
ALTER TABLE "jobs" ADD COLUMN "rollout_id" UUID;

-- CreateIndex
CREATE INDEX "jobs_rollout_id_idx" ON "jobs"("rollout_id");

-- CreateIndex
CREATE INDEX "rollouts_state_idx" ON "rollouts"("state");

-- CreateIndex
CREATE INDEX "rollouts_component_name_created_at_idx" ON "rollouts"("component_name", "created_at");

-- CreateIndex
CREATE INDEX "rollouts_created_at_id_idx" ON "rollouts"("created_at", "id");

-- CreateIndex
CREATE UNIQUE INDEX "rollout_waves_rollout_id_wave_index_key" ON "rollout_waves"("rollout_id", "wave_index");

-- CreateIndex
CREATE INDEX "rollout_hosts_rollout_id_wave_index_state_idx" ON "rollout_hosts"("rollout_id", "wave_index", "state");

-- CreateIndex
CREATE INDEX "rollout_hosts_job_id_idx" ON "rollout_hosts"("job_id");

-- CreateIndex
CREATE INDEX "rollout_hosts_revert_job_id_idx" ON "rollout_hosts"("revert_job_id");

-- CreateIndex
CREATE INDEX "rollout_hosts_host_id_idx" ON "rollout_hosts"("host_id");

-- CreateIndex
CREATE UNIQUE INDEX "rollout_hosts_rollout_id_host_id_key" ON "rollout_hosts"("rollout_id", "host_id");

-- CreateIndex
CREATE INDEX "rollout_approvals_rollout_id_wave_index_idx" ON "rollout_approvals"("rollout_id", "wave_index");

-- AddForeignKey
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_rollout_id_fkey" FOREIGN KEY ("rollout_id") REFERENCES "rollouts"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rollout_waves" ADD CONSTRAINT "rollout_waves_rollout_id_fkey" FOREIGN KEY ("rollout_id") REFERENCES "rollouts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rollout_hosts" ADD CONSTRAINT "rollout_hosts_rollout_id_fkey" FOREIGN KEY ("rollout_id") REFERENCES "rollouts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rollout_hosts" ADD CONSTRAINT "rollout_hosts_host_id_fkey" FOREIGN KEY ("host_id") REFERENCES "hosts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rollout_approvals" ADD CONSTRAINT "rollout_approvals_rollout_id_fkey" FOREIGN KEY ("rollout_id") REFERENCES "rollouts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
