-- CreateEnum
CREATE TYPE "host_status" AS ENUM ('active', 'revoked');

-- CreateEnum
CREATE TYPE "api_role" AS ENUM ('viewer', 'operator', 'approver', 'admin');

-- CreateEnum
CREATE TYPE "job_kind" AS ENUM ('upgrade', 'rollback', 'cleanup');

-- CreateEnum
CREATE TYPE "job_state" AS ENUM ('pending', 'delivered', 'running', 'succeeded', 'failed', 'refused', 'expired', 'cancelled');

-- CreateEnum
CREATE TYPE "step_status" AS ENUM ('started', 'succeeded', 'failed', 'skipped');

-- CreateEnum
CREATE TYPE "actor_type" AS ENUM ('api_token', 'agent', 'system');

-- CreateTable
CREATE TABLE "hosts" (
    "id" UUID NOT NULL,
    "hostname" TEXT NOT NULL,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "groups" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "os" TEXT NOT NULL,
    "arch" TEXT NOT NULL,
    "agent_version" TEXT NOT NULL,
    "status" "host_status" NOT NULL DEFAULT 'active',
    "assignment_sequence" BIGINT NOT NULL DEFAULT 0,
    "enrolled_at" TIMESTAMPTZ(3) NOT NULL,
    "last_seen_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "hosts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agent_credentials" (
    "id" UUID NOT NULL,
    "host_id" UUID NOT NULL,
    "secret_hash" CHAR(64) NOT NULL,
    "cert_fingerprint" CHAR(64),
    "enrollment_token_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "agent_credentials_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "enrollment_tokens" (
    "id" UUID NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "labels" JSONB NOT NULL DEFAULT '{}',
    "groups" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "single_use" BOOLEAN NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "use_count" INTEGER NOT NULL DEFAULT 0,
    "revoked_at" TIMESTAMPTZ(3),
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "enrollment_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "components" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "components_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "component_sources" (
    "id" UUID NOT NULL,
    "component_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "config" JSONB NOT NULL,
    "priority" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "component_sources_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "releases" (
    "id" UUID NOT NULL,
    "component_id" UUID NOT NULL,
    "version" TEXT NOT NULL,
    "tag" TEXT NOT NULL,
    "prerelease" BOOLEAN NOT NULL DEFAULT false,
    "published_at" TIMESTAMPTZ(3),
    "notes_url" TEXT,
    "assets" JSONB NOT NULL DEFAULT '[]',
    "discovered_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "releases_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "release_cache" (
    "id" UUID NOT NULL,
    "source_id" UUID NOT NULL,
    "cache_key" TEXT NOT NULL,
    "etag" TEXT,
    "last_modified" TEXT,
    "body" JSONB NOT NULL,
    "fetched_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "release_cache_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "advisories" (
    "id" UUID NOT NULL,
    "component_id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "affected" JSONB NOT NULL,
    "fixed_in" TEXT,
    "published_at" TIMESTAMPTZ(3),

    CONSTRAINT "advisories_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "breaking_changes" (
    "id" UUID NOT NULL,
    "component_id" UUID NOT NULL,
    "version" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "migration_notes" TEXT,

    CONSTRAINT "breaking_changes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "compatibility_rules" (
    "id" UUID NOT NULL,
    "component_id" UUID NOT NULL,
    "version_range" TEXT NOT NULL,
    "requires_component" TEXT NOT NULL,
    "requires_range" TEXT NOT NULL,
    "note" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "compatibility_rules_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "host_inventory" (
    "id" UUID NOT NULL,
    "host_id" UUID NOT NULL,
    "component_name" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "binary_path" TEXT NOT NULL,
    "sha256" CHAR(64) NOT NULL,
    "installed_at" TIMESTAMPTZ(3),
    "reported_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "host_inventory_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "jobs" (
    "id" UUID NOT NULL,
    "host_id" UUID NOT NULL,
    "kind" "job_kind" NOT NULL,
    "component_name" TEXT NOT NULL,
    "target_version" TEXT,
    "artifact_url" TEXT,
    "artifact_sha256" CHAR(64),
    "state" "job_state" NOT NULL DEFAULT 'pending',
    "sequence" BIGINT NOT NULL,
    "assignment" TEXT NOT NULL,
    "signature" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "delivery_count" INTEGER NOT NULL DEFAULT 0,
    "result" JSONB,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "jobs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "job_steps" (
    "id" UUID NOT NULL,
    "job_id" UUID NOT NULL,
    "step_index" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "status" "step_status" NOT NULL,
    "message" TEXT NOT NULL DEFAULT '',
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "job_steps_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" UUID NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_type" "actor_type" NOT NULL,
    "actor_id" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target_type" TEXT NOT NULL,
    "target_id" TEXT NOT NULL,
    "details" JSONB NOT NULL DEFAULT '{}',
    "request_id" TEXT,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_tokens" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "role" "api_role" NOT NULL,
    "expires_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbox" (
    "id" UUID NOT NULL,
    "queue" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "outbox_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "hosts_hostname_idx" ON "hosts"("hostname");

-- CreateIndex
CREATE INDEX "hosts_labels_idx" ON "hosts" USING GIN ("labels" jsonb_path_ops);

-- CreateIndex
CREATE INDEX "hosts_groups_idx" ON "hosts" USING GIN ("groups");

-- CreateIndex
CREATE INDEX "hosts_last_seen_at_idx" ON "hosts"("last_seen_at");

-- CreateIndex
CREATE UNIQUE INDEX "agent_credentials_secret_hash_key" ON "agent_credentials"("secret_hash");

-- CreateIndex
CREATE INDEX "agent_credentials_host_id_idx" ON "agent_credentials"("host_id");

-- CreateIndex
CREATE INDEX "agent_credentials_enrollment_token_id_idx" ON "agent_credentials"("enrollment_token_id");

-- CreateIndex
CREATE UNIQUE INDEX "enrollment_tokens_token_hash_key" ON "enrollment_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "enrollment_tokens_expires_at_idx" ON "enrollment_tokens"("expires_at");

-- CreateIndex
CREATE INDEX "enrollment_tokens_created_at_id_idx" ON "enrollment_tokens"("created_at", "id");

-- CreateIndex
CREATE UNIQUE INDEX "components_name_key" ON "components"("name");

-- CreateIndex
CREATE INDEX "component_sources_component_id_priority_idx" ON "component_sources"("component_id", "priority");

-- CreateIndex
CREATE INDEX "releases_component_id_published_at_idx" ON "releases"("component_id", "published_at");

-- CreateIndex
CREATE UNIQUE INDEX "releases_component_id_version_key" ON "releases"("component_id", "version");

-- CreateIndex
CREATE INDEX "release_cache_expires_at_idx" ON "release_cache"("expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "release_cache_source_id_cache_key_key" ON "release_cache"("source_id", "cache_key");

-- CreateIndex
CREATE UNIQUE INDEX "advisories_component_id_external_id_key" ON "advisories"("component_id", "external_id");

-- CreateIndex
CREATE INDEX "breaking_changes_component_id_version_idx" ON "breaking_changes"("component_id", "version");

-- CreateIndex
CREATE INDEX "compatibility_rules_component_id_idx" ON "compatibility_rules"("component_id");

-- CreateIndex
CREATE INDEX "host_inventory_component_name_version_idx" ON "host_inventory"("component_name", "version");

-- CreateIndex
CREATE UNIQUE INDEX "host_inventory_host_id_component_name_key" ON "host_inventory"("host_id", "component_name");

-- CreateIndex
CREATE INDEX "jobs_host_id_state_idx" ON "jobs"("host_id", "state");

-- CreateIndex
CREATE INDEX "jobs_state_updated_at_idx" ON "jobs"("state", "updated_at");

-- CreateIndex
CREATE INDEX "jobs_created_at_id_idx" ON "jobs"("created_at", "id");

-- CreateIndex
CREATE UNIQUE INDEX "jobs_host_id_sequence_key" ON "jobs"("host_id", "sequence");

-- CreateIndex
CREATE UNIQUE INDEX "job_steps_job_id_step_index_key" ON "job_steps"("job_id", "step_index");

-- CreateIndex
CREATE INDEX "audit_events_occurred_at_id_idx" ON "audit_events"("occurred_at", "id");

-- CreateIndex
CREATE INDEX "audit_events_actor_id_occurred_at_idx" ON "audit_events"("actor_id", "occurred_at");

-- CreateIndex
CREATE INDEX "audit_events_action_occurred_at_idx" ON "audit_events"("action", "occurred_at");

-- CreateIndex
CREATE INDEX "audit_events_target_type_target_id_occurred_at_idx" ON "audit_events"("target_type", "target_id", "occurred_at");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "outbox_published_at_created_at_idx" ON "outbox"("published_at", "created_at");

-- AddForeignKey
ALTER TABLE "agent_credentials" ADD CONSTRAINT "agent_credentials_host_id_fkey" FOREIGN KEY ("host_id") REFERENCES "hosts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_credentials" ADD CONSTRAINT "agent_credentials_enrollment_token_id_fkey" FOREIGN KEY ("enrollment_token_id") REFERENCES "enrollment_tokens"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "component_sources" ADD CONSTRAINT "component_sources_component_id_fkey" FOREIGN KEY ("component_id") REFERENCES "components"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "releases" ADD CONSTRAINT "releases_component_id_fkey" FOREIGN KEY ("component_id") REFERENCES "components"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "release_cache" ADD CONSTRAINT "release_cache_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "component_sources"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "advisories" ADD CONSTRAINT "advisories_component_id_fkey" FOREIGN KEY ("component_id") REFERENCES "components"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "breaking_changes" ADD CONSTRAINT "breaking_changes_component_id_fkey" FOREIGN KEY ("component_id") REFERENCES "components"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "compatibility_rules" ADD CONSTRAINT "compatibility_rules_component_id_fkey" FOREIGN KEY ("component_id") REFERENCES "components"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "host_inventory" ADD CONSTRAINT "host_inventory_host_id_fkey" FOREIGN KEY ("host_id") REFERENCES "hosts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_host_id_fkey" FOREIGN KEY ("host_id") REFERENCES "hosts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job_steps" ADD CONSTRAINT "job_steps_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
