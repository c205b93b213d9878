# syntax=docker/dockerfile:1
# Switchboard: the Next.js app and Socket.IO on one port, served by server.ts
# through tsx (a production dependency).
#   docker build -t registry.example.com/switchboard:0.1.0 .
# Kubernetes: k8s/ (README.md, "Deploying to Kubernetes").

# The current Node.js LTS line.
ARG NODE_VERSION=26

FROM node:${NODE_VERSION}-trixie-slim AS base
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1

# Every dependency, for the build.
FROM base AS deps
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM deps AS build
COPY . .
RUN npx next build && rm -rf .next/cache

# Production dependencies only.
FROM base AS prod-deps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM base AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/.next ./.next
COPY package.json next.config.ts tsconfig.json server.ts ./
COPY lib ./lib
COPY scripts/migrate.ts ./scripts/migrate.ts
# The code stays root's and read-only; the process writes only Next's cache
# and DATA_DIR (embedded PGlite and the session secret when neither
# DATABASE_URL nor SESSION_SECRET is set).
RUN mkdir -p .next/cache /data && chown node:node .next/cache /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node is PID 1 and receives SIGTERM itself: server.ts drains runs in flight.
CMD ["node", "--import", "tsx", "server.ts"]
