import { loadSigningKey } from '../domain/checkpoint.ts';
import { loggerFor } from '../observability/logger.ts';
import type { Component, Plugin } from '../plugin.ts';

const log = loggerFor('audit-checkpoints');

/**
 * Plug-in: signs every changed chain head every AUDIT_CHECKPOINT_INTERVAL_SECONDS (and once at start).
 * Without AUDIT_SIGNING_KEY it does nothing and says so once.
 */
export function checkpointPlugin(options: { intervalMs?: number } = {}): Plugin {
  return async ({ env, services }) => {
    if (!env.AUDIT_SIGNING_KEY) {
      log.warn('AUDIT_SIGNING_KEY is not set: audit checkpoints are not signed (npm run audit:keygen makes a key).');
      return {};
    }
    const signer = { privateKey: loadSigningKey(env.AUDIT_SIGNING_KEY), channelId: env.AUDIT_CHANNEL_ID ?? null };
    const intervalMs = options.intervalMs ?? env.AUDIT_CHECKPOINT_INTERVAL_SECONDS * 1000;
    let running: Promise<unknown> | null = null;
    const tick = () => {
      if (running) return; // a slow round is not overlapped by the next
      running = services.checkpoints.signAll(signer).catch((error: unknown) => log.error({ err: error }, 'checkpoint round failed')).finally(() => { running = null; });
    };
    const timer = setInterval(tick, intervalMs);
    timer.unref();
    tick();
    const component: Component = {
      name: 'audit-checkpoints',
      async stop() {
        clearInterval(timer);
        await running;
      },
    };
    return { components: [component] };
  };
}
