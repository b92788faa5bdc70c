-- What an approver approves is what runs: the plan's risk, breaking changes, advisories and expected
-- duration, and each host's risk and warnings, are frozen on the rollout at creation instead of being
-- planned again when someone looks. Rollouts created before this migration have no frozen plan: the
-- rollout columns stay NULL (shown as "not recorded"), a host gets no risk and no warnings.
ALTER TABLE "rollouts"
    ADD COLUMN "risk" TEXT,
    ADD COLUMN "breaking_changes" JSONB,
    ADD COLUMN "advisories" JSONB,
    ADD COLUMN "expected_duration_seconds" INTEGER;

ALTER TABLE "rollout_hosts"
    ADD COLUMN "risk_level" TEXT,
    ADD COLUMN "warnings" TEXT[] DEFAULT ARRAY[]::TEXT[];
