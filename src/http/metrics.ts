import { registry } from '../observability/metrics.ts';
import { renderMetrics } from '../observability/scrape-sources.ts';
import type { RouteHandler } from './server.ts';

/** GET /metrics: Prometheus text exposition of this process's metrics. */
export const metricsRoute: RouteHandler = async (req, res) => {
  if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') return false;
  const body = await renderMetrics();
  res.writeHead(200, { 'content-type': registry.contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
  return true;
};
