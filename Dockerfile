# The ContactSuite app for the production topology (docker-compose.yml): it connects to a
# drachtio-server (DRACHTIO_HOST) instead of starting the embedded engine, and with
# MEDIA_SERVER=freeswitch drives FreeSWITCH instead of the embedded RTP engine. Without those
# variables the same image runs the embedded default. Not built on our development/CI machines
# (no Docker engine there): see README "Production deployment".

# ---- build: TypeScript, the admin web app, and the spandsp fax addon --------------------------
FROM node:20-bookworm-slim AS build
# node-gyp's toolchain and the fax addon's libraries (native/fax: -lspandsp -ltiff).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ pkg-config libspandsp-dev libtiff-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Build the addon against this image's own Node headers instead of downloading them.
ENV npm_config_nodedir=/usr/local
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY native ./native
RUN npm run build \
 && npm run build:fax \
 && test -f native/fax/build/Release/fax.node \
 && npm prune --omit=dev

# ---- runtime ----------------------------------------------------------------------------------
FROM node:20-bookworm-slim
# The addon's shared libraries, and tiff2pdf (fax-to-email turns the received TIFF into a PDF).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libspandsp2 libtiff6 libtiff-tools \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# src/fax/faxAddon.ts loads ../../native/fax/build/Release/fax.node relative to dist/fax.
COPY --from=build /app/native/fax/build/Release/fax.node ./native/fax/build/Release/fax.node
COPY dialplans ./dialplans
COPY prompts ./prompts
RUN mkdir -p /app/data && chown node:node /app/data
USER node
# HTTP (API, /health, provisioning); 8085: FreeSWITCH's outbound event-socket connections.
EXPOSE 8080 8085
HEALTHCHECK --interval=15s --timeout=5s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:8080/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/cli/main.js", "start"]
