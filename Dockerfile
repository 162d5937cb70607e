# syntax=docker/dockerfile:1
# confighash controller image.
#
#   docker build -t confighash:dev .
#   npm run image        (here: buildah, with a locally made node base; scripts/image/build.sh)
#
# The Node version is pinned exactly, and kept equal to the `node` devDependency in
# package.json (a unit test checks it). Pin the digest too in your pipeline
# (FROM node:…@sha256:…) when you build release images.
ARG NODE_VERSION=24.21.0

# ---- build: compile TypeScript (tsconfig.build.json → dist/) ----
FROM node:${NODE_VERSION}-trixie-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: nothing from the registry runs at install time. (It also skips the
# `node` devDependency's binary download; the image's own Node runs the build.)
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- dependencies: production only ----
FROM node:${NODE_VERSION}-trixie-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# ---- runtime ----
FROM node:${NODE_VERSION}-trixie-slim AS runtime
ENV NODE_ENV=production
# V8's heap, stated rather than left to V8's guess from the memory it sees (BENCHMARKS.md,
# "Memory"). In a container Node takes the cgroup limit as the machine's memory; on a
# large host with no limit V8 reserves a young generation of tens of MiB and an old
# generation of 4 GiB. Explicit flags make the heap the same in every pod, on a laptop
# and in the bench:
# - --max-semi-space-size=4 (MiB): a small young generation. On the 23.5 GiB bench host,
#   peak RSS at 20,000 objects 503 -> 341 MiB, at no CPU cost.
# - --max-old-space-size-percentage=50: the old generation capped at half the container's
#   memory limit (limits.memory in kustomize/base/deployment.yaml), leaving the other
#   half to code, buffers and the node binary.
# And --import of src/k8s/load-less-client-node.ts: keeps @kubernetes/client-node's
# generated clients and models (about 30 MiB) out of the process.
ENV NODE_OPTIONS="--max-semi-space-size=4 --max-old-space-size-percentage=50 --import=./dist/k8s/load-less-client-node.js"
WORKDIR /app
# Root-owned and read-only to the process: it runs as an unprivileged numeric user
# (matching runAsUser in kustomize/base/deployment.yaml) on a read-only root filesystem.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# One entry point for both programs: `confighash render ...` runs the offline render (CI:
# `podman run --rm -i confighash:dev render < in.yaml`), anything else runs the controller,
# so a pod's `args:` may be flags alone. It execs node: node is PID 1 and receives SIGTERM
# itself; the controller handles it (drains the queue, releases its Lease) and spawns no
# children to reap.
COPY --chmod=0755 scripts/image/entrypoint.sh /usr/local/bin/confighash
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/confighash"]
CMD []
