-- Where each artifact fetched from upstream came from, shared by every replica: a replica asked for an
-- artifact it does not hold (each replica may have its own UPKEEP_ARTIFACT_DIR) looks the digest up here
-- and fetches it again from upstream, verified as the first fetch was. Uploaded artifacts have no row.
-- CreateTable
CREATE TABLE "artifact_origins" (
    "sha256" CHAR(64) NOT NULL,
    "component" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "os" TEXT NOT NULL,
    "arch" TEXT NOT NULL,
    "asset_name" TEXT NOT NULL,
    "asset_url" TEXT NOT NULL,
    "fetched_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "artifact_origins_pkey" PRIMARY KEY ("sha256")
);
