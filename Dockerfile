# Production image for both the API and the worker (docker-compose.yml picks the command).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY api ./api
COPY activities ./activities
COPY cli ./cli
COPY core ./core
COPY worker ./worker
COPY workflows ./workflows
COPY scripts/build-tracker.ts ./scripts/build-tracker.ts
COPY tracker ./tracker
COPY scripts/build-web.ts ./scripts/build-web.ts
COPY web ./web
# dist/tracker/signalbox.js is what the compiled API serves at GET /signalbox.js; dist/web/ the console and portal.
RUN npm run build && npm run build:tracker && npm run build:web && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
EXPOSE 3000
CMD ["node", "dist/api/main.js"]
