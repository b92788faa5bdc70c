-- Subject columns: what an audit event is about, as indexed columns rather than JSON,
-- so the audit trail answers "by component / host / group / version / outcome" from an index.
ALTER TABLE "audit_events"
    ADD COLUMN "component_name" TEXT,
    ADD COLUMN "host_id" UUID,
    ADD COLUMN "host_groups" TEXT[] DEFAULT ARRAY[]::TEXT[],
    ADD COLUMN "version" TEXT,
    ADD COLUMN "outcome" TEXT;

-- Every filter ends in (occurred_at, id): pages are read newest first by keyset
-- ("(occurred_at, id) < cursor"), which these indexes serve as a backward range scan.
DROP INDEX "audit_events_actor_id_occurred_at_idx";
DROP INDEX "audit_events_action_occurred_at_idx";
DROP INDEX "audit_events_target_type_target_id_occurred_at_idx";

CREATE INDEX "audit_events_actor_id_occurred_at_id_idx" ON "audit_events"("actor_id", "occurred_at", "id");
CREATE INDEX "audit_events_action_occurred_at_id_idx" ON "audit_events"("action", "occurred_at", "id");
CREATE INDEX "audit_events_actor_id_action_occurred_at_id_idx" ON "audit_events"("actor_id", "action", "occurred_at", "id");
CREATE INDEX "audit_events_target_type_target_id_occurred_at_id_idx" ON "audit_events"("target_type", "target_id", "occurred_at", "id");
CREATE INDEX "audit_events_component_name_occurred_at_id_idx" ON "audit_events"("component_name", "occurred_at", "id");
CREATE INDEX "audit_events_component_name_outcome_occurred_at_id_idx" ON "audit_events"("component_name", "outcome", "occurred_at", "id");
CREATE INDEX "audit_events_component_name_version_occurred_at_id_idx" ON "audit_events"("component_name", "version", "occurred_at", "id");
CREATE INDEX "audit_events_component_name_action_occurred_at_id_idx" ON "audit_events"("component_name", "action", "occurred_at", "id");
CREATE INDEX "audit_events_version_occurred_at_id_idx" ON "audit_events"("version", "occurred_at", "id");
CREATE INDEX "audit_events_host_id_occurred_at_id_idx" ON "audit_events"("host_id", "occurred_at", "id");
CREATE INDEX "audit_events_host_id_component_name_occurred_at_id_idx" ON "audit_events"("host_id", "component_name", "occurred_at", "id");
CREATE INDEX "audit_events_outcome_occurred_at_id_idx" ON "audit_events"("outcome", "occurred_at", "id");
CREATE INDEX "audit_events_host_groups_idx" ON "audit_events" USING GIN ("host_groups");

-- Append-only: an audit trail that can be edited proves nothing. Row triggers
-- refuse UPDATE and DELETE, a statement trigger refuses TRUNCATE (which skips row triggers).
CREATE FUNCTION "audit_events_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'audit events are never changed or removed; record a new event instead';
END;
$$;

CREATE TRIGGER "audit_events_no_update_delete"
    BEFORE UPDATE OR DELETE ON "audit_events"
    FOR EACH ROW EXECUTE FUNCTION "audit_events_append_only"();

CREATE TRIGGER "audit_events_no_truncate"
    BEFORE TRUNCATE ON "audit_events"
    FOR EACH STATEMENT EXECUTE FUNCTION "audit_events_append_only"();
