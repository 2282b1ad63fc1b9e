# nightshift worker, CPU kernels (AVX2/AVX-512 chosen at run time).
# Build from the repository root: docker build -f deploy/docker/worker.Dockerfile -t nightshift-worker .
FROM node:20-bookworm-slim AS build
RUN npm install -g pnpm@10.34.9 \
 && apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN pnpm install --frozen-lockfile \
 && pnpm --filter @nightshift/proto --filter @nightshift/worker run build \
 && pnpm --filter @nightshift/worker deploy --prod --legacy /out \
 && mkdir -p /out/native/build && cp -r packages/worker/native/build/. /out/native/build/

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /out /app
USER node
EXPOSE 50061
ENTRYPOINT ["node", "/app/dist/main.js"]
