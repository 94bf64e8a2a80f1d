# chatgate: one image, three roles (CHATGATE_ROLE = all | api | worker).
# `docker run -p 8005:8005 -e CHATGATE_API_KEYS=<8+ chars> -e CHATGATE_ADMIN_KEY=<8+ chars> chatgate`
# serves on the embedded defaults. Keys are required for -p to work: without any key the API would
# be open, so chatgate listens on 127.0.0.1 inside the container only (and says so on stderr); the
# HEALTHCHECK below, run inside the container, still passes then. docker-compose.yml runs the api
# and worker roles on Redis and PostgreSQL.

# Build: compile TypeScript to dist/ and the console to console/dist, with the dev dependencies.
# (`npm ci` runs `prepare`, scripts/build-console.mjs: it skips here, the console sources come later.)
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY adapters ./adapters
COPY console ./console
RUN npm run build && npm run build:console

# Runtime dependencies only, installed from the lock file.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:24-slim
ENV NODE_ENV=production PORT=8005 HOST=0.0.0.0 CHATGATE_DATA_DIR=/app/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The operator console's static files, served at /console (src/http/routes/console-static.ts).
COPY --from=build /app/console/dist ./console/dist
COPY package.json ./
COPY config ./config
# SQL migrations are read from the source tree at start.
COPY src/stores/migrations ./src/stores/migrations
# PGlite keeps its files here when DATABASE_URL is unset.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 8005
# Every role answers /health (a worker serves its probes and metrics only).
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8005)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# node as PID 1 receives SIGTERM itself: it stops accepting, hands running jobs back, exits 0.
CMD ["node", "dist/src/main.js"]
