# The production image: the compiled server (no tsx, no TypeScript at run time) and the built POS.
# Build the context first (`npm ci && npm run build`), then `docker build -t ttls-fulfill .`.
# PID 1 is node itself (exec-form CMD), so SIGTERM reaches the server's graceful shutdown.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 FULFILL_DATA_DIR=/data
COPY package.json package-lock.json ./
COPY packages/server/package.json packages/server/
COPY packages/sdk/package.json packages/sdk/
COPY packages/cli/package.json packages/cli/
COPY packages/pos/package.json packages/pos/
COPY packages/console/package.json packages/console/
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --workspace @fulfill/server
COPY packages/server/dist packages/server/dist
COPY packages/pos/dist packages/pos/dist
COPY packages/console/dist packages/console/dist
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080
CMD ["node", "packages/server/dist/main.js"]
