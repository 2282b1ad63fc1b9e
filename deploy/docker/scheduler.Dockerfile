# nightshift scheduler (and the `nightshift` command line).
# Build from the repository root: docker build -f deploy/docker/scheduler.Dockerfile -t nightshift-scheduler .
FROM node:20-bookworm-slim AS build
RUN npm install -g pnpm@10.34.9
WORKDIR /src
COPY . .
# The tokenizer's addon builds on install (the package's `files` carry it into the image); so does the
# worker's (used by the scheduler's tests and by devtools, not shipped here), CPU only here.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/* \
 && NIGHTSHIFT_NATIVE=required pnpm install --frozen-lockfile \
 && pnpm --filter @nightshift/proto --filter @nightshift/tokenizer --filter @nightshift/worker --filter @nightshift/scheduler run build \
 && pnpm --filter @nightshift/scheduler deploy --prod --legacy /out

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /out /app
USER node
EXPOSE 50051
# A larger young generation: see SCHEDULER_NODE_FLAGS in packages/devtools/src/service-process.ts.
ENTRYPOINT ["node", "--max-semi-space-size=32", "/app/dist/main.js"]
