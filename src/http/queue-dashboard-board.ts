import type { IncomingMessage, ServerResponse } from 'node:http';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import express from 'express';
import type { Queues } from '../jobs/queues.ts';
import { QUEUE_NAMES } from '../jobs/registry.ts';
import { QUEUE_DASHBOARD_PATH } from './queue-dashboard-path.ts';

/** Bull Board over every queue, as a plain request listener (loaded only when the dashboard is first used). */
export function boardHandler(queues: Queues): (req: IncomingMessage, res: ServerResponse) => void {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: QUEUE_NAMES.map((name) => new BullMQAdapter(queues.queue(name))),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Approval queues' } },
  });
  const app = express();
  app.disable('x-powered-by');
  app.use(QUEUE_DASHBOARD_PATH, serverAdapter.getRouter() as express.Router);
  return app as unknown as (req: IncomingMessage, res: ServerResponse) => void;
}
