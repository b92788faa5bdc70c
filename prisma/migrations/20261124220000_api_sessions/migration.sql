-- Web console sessions: POST /api/session trades an API token for an HttpOnly cookie, so the console's
-- JavaScript never holds the token. The row keeps only the sha256 of the cookie's secret; it dies with
-- its token (revoked or expired tokens are refused through the join at every request).
-- CreateTable
CREATE TABLE "api_sessions" (
    "id" CHAR(64) NOT NULL,
    "token_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "api_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "api_sessions_token_id_idx" ON "api_sessions"("token_id");

-- CreateIndex
CREATE INDEX "api_sessions_expires_at_idx" ON "api_sessions"("expires_at");

-- AddForeignKey
ALTER TABLE "api_sessions" ADD CONSTRAINT "api_sessions_token_id_fkey" FOREIGN KEY ("token_id") REFERENCES "api_tokens"("id") ON DELETE CASCADE ON UPDATE CASCADE;
