-- A draft rollout is planned and stored but never driven; submitting it needs to know whether the
-- plan asked for approvals before the start (awaiting_approval) or not (scheduled). Rollouts created
-- before drafts existed are never drafts, so the default is never read for them.
ALTER TABLE "rollouts" ADD COLUMN "approval_before_start" BOOLEAN NOT NULL DEFAULT false;
