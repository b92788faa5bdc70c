# syntax=docker/dockerfile:1
# One image for the control plane (upkeep-server), the agent (upkeep-agent) and the CLI
# (upkeep). Node 24 runs the TypeScript sources directly; only the control plane is
# compiled (tsc, for its decorators). docker-compose.yml shows how the pieces fit.

FROM node:24-bookworm-slim AS build
ENV CI=true
WORKDIR /src
# pnpm at the version package.json's packageManager names.
RUN corepack enable
COPY . .
RUN pnpm install --frozen-lockfile \
 && pnpm -s build \
 && pnpm --filter @upkeep/console build \
 && rm -rf node_modules apps/*/node_modules libs/*/node_modules \
 && pnpm install --frozen-lockfile --prod --offline

FROM node:24-bookworm-slim
# openssl: the compose `keys` service; ca-certificates: HTTPS to GitHub and friends.
RUN apt-get update \
 && apt-get install -y --no-install-recommends openssl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /opt/upkeep
COPY --from=build /src /opt/upkeep
RUN printf '#!/bin/sh\nexec node /opt/upkeep/apps/control-plane/bin/upkeep-server.mjs "$@"\n' > /usr/local/bin/upkeep-server \
 && printf '#!/bin/sh\nexec node /opt/upkeep/apps/agent/src/main.ts "$@"\n' > /usr/local/bin/upkeep-agent \
 && printf '#!/bin/sh\nexec node /opt/upkeep/apps/cli/src/main.ts "$@"\n' > /usr/local/bin/upkeep \
 && chmod 0755 /usr/local/bin/upkeep-server /usr/local/bin/upkeep-agent /usr/local/bin/upkeep \
 && mkdir -p /keys /var/lib/upkeep-server /var/lib/upkeep-host \
 && chown node:node /keys /var/lib/upkeep-server /var/lib/upkeep-host
# Never root: the control plane needs no privilege, and a containerised agent manages only
# the components under its UPKEEP_ROOT volume.
USER node
EXPOSE 8080 8443
CMD ["upkeep-server"]
