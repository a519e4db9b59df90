# syntax=docker/dockerfile:1
# Hoard server image: built with dev dependencies, run with production ones only, as a non-root user.
# test/docker-image.e2e-spec.ts replays this file's COPY and npm steps and starts the server from the result.
FROM node:22-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
# npm ci needs all of it: the native helpers (libs/native, a file: dependency built by node-gyp at install) and the
# sources its prepare step compiles into dist/.
COPY package.json package-lock.json tsconfig.json tsconfig.build.json nest-cli.json ./
COPY scripts ./scripts
COPY libs ./libs
COPY apps ./apps
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim
ENV NODE_ENV=production HOARD_DATA_DIR=/data PORT=8000 HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
# node_modules/@hoard/native is a link to libs/native, where npm ci built the addon: the link needs its target.
COPY --from=build /app/libs/native ./libs/native
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/apps/server/src/main.js"]
