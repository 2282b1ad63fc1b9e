# nightshift worker with the CUDA kernels (sm_80, sm_90; cudart linked
# statically), falling back to the CPU kernels when no GPU is found.
# Build from the repository root: docker build -f deploy/docker/worker-cuda.Dockerfile -t nightshift-worker-cuda .
FROM nvidia/cuda:13.0.0-devel-ubuntu24.04 AS build
RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates python3 make g++ \
 && curl -fsSL https://deb.nodesource.com/setup_20.x | bash - && apt-get install -y --no-install-recommends nodejs \
 && rm -rf /var/lib/apt/lists/* && npm install -g pnpm@10.34.9
WORKDIR /src
COPY . .
# nvcc is on the PATH here: the addon's build compiles the CUDA kernels too.
RUN pnpm install --frozen-lockfile \
 && pnpm --filter @nightshift/proto --filter @nightshift/worker run build \
 && pnpm --filter @nightshift/worker deploy --prod --legacy /out \
 && mkdir -p /out/native/build && cp -r packages/worker/native/build/. /out/native/build/

# The runtime image needs the driver (from the node) but no CUDA toolkit: cudart is static.
FROM nvidia/cuda:13.0.0-base-ubuntu24.04
RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates \
 && curl -fsSL https://deb.nodesource.com/setup_20.x | bash - && apt-get install -y --no-install-recommends nodejs \
 && apt-get purge -y curl && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /out /app
USER ubuntu
EXPOSE 50061
ENTRYPOINT ["node", "/app/dist/main.js"]
