# One image for everything the deployment runs: the app (the default command), the worker
# (`node src/worker.ts`), migrations (`node src/cli/migrate.ts`) and the operator commands (audit:*, token:*).
# Node 24 runs the TypeScript sources directly (type stripping); nothing is compiled.

FROM node:24-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# Production dependencies only. --omit=optional also leaves out TypeScript, which npm would otherwise install
# as an optional peer of valibot (pulled in by @bull-board/api); nothing at run time needs it. The npm cache
# stays in this stage.
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund

FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
COPY blocks ./blocks
COPY migrations ./migrations
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=5 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The app's memory settings, as `npm start` has them (README, "Without Docker"): a small young generation and a heap that
# is collected before it grows far past what is live; glibc hands freed memory back to the system sooner; Node
# keeps its compiled code and stripped TypeScript between starts (in /tmp: /app is not writable by `node`).
ENV MALLOC_TRIM_THRESHOLD_=131072 NODE_COMPILE_CACHE=/tmp/node-compile-cache
CMD ["node", "--max-semi-space-size=4", "--heap-growing-percent=50", "src/main.ts"]
