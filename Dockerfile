# syntax=docker/dockerfile:1
#
# ioc-console server image: the Express + Socket.IO server (bundled), serving the
# built console from dist/client. Used by docker-compose.yml (server and simulators).
#
#   docker build -t ioc-console .
#
# Stages: deps (production node_modules) / build (all deps, vite build) / runtime.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- production dependencies only (tsx is a dependency: the server runs from TypeScript)
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# ---- build the console (vite needs the dev dependencies)
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json vite.config.ts ./
COPY contract ./contract
COPY citypacks ./citypacks
COPY client ./client
COPY server ./server
COPY scripts/build-server.mjs ./scripts/
RUN npm run build && npm run build:server

# ---- runtime
FROM ${NODE_IMAGE} AS runtime
# MALLOC_MMAP_THRESHOLD_: SERVER_ENV in scripts/build-server.mjs (glibc's heap kept from growing at start-up).
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY contract ./contract
COPY server ./server
COPY simulators ./simulators
COPY citypacks ./citypacks
COPY config ./config
COPY --from=build /app/dist ./dist
# Code is owned by root and read-only to the server, which runs as the image's
# unprivileged "node" user (uid 1000). /app/data is its only writable folder: the
# write-ahead spool (SPOOL_DIR defaults to /app/data/spool; a volume in docker-compose.yml).
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8080
# /api/health answers 200 when the MQTT broker is connected and InfluxDB is reachable,
# 503 otherwise. No curl in the slim image: node's fetch does the request.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/api/health',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"]
# The server bundle (dist/server/index.mjs, npm run build:server): no TypeScript loader in the process.
CMD ["node", "--max-semi-space-size=4", "--heap-growing-percent=20", "dist/server/index.mjs"]
