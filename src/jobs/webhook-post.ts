import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup, targetRefusal, WebhookTargetRefused, type WebhookTargetPolicy } from './webhook-targets.ts';

export type WebhookAnswer =
  | { readonly kind: 'answered'; readonly status: number }
  /** Never followed: the next hop is a request into wherever the receiver points, made from inside the deployment. */
  | { readonly kind: 'redirect'; readonly status: number; readonly location: string }
  | { readonly kind: 'refused'; readonly reason: string };

export interface WebhookPoster {
  post(url: string, headers: Readonly<Record<string, string>>, body: string, timeoutMs: number): Promise<WebhookAnswer>;
}

/**
 * Posts webhooks through agents whose connections resolve names with the target policy's lookup, so the
 * address checked is the address connected to. Literal addresses (which connect without a lookup) are checked
 * before the request. Network failures reject; refusals and redirects are answers.
 */
export function createWebhookPoster(policy: WebhookTargetPolicy): WebhookPoster {
  const lookup = guardedLookup(policy);
  const agents = { 'http:': new HttpAgent({ lookup }), 'https:': new HttpsAgent({ lookup }) };
  return {
    post(target, headers, body, timeoutMs) {
      const url = new URL(target);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.resolve({ kind: 'refused', reason: `${url.protocol} URLs are not delivered to: use http or https` });
      const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
      const literal = isIP(host) ? targetRefusal(policy, host, host) : null;
      if (literal) return Promise.resolve({ kind: 'refused', reason: literal });
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      return new Promise((resolve, reject) => {
        const req = send(url, {
          method: 'POST', agent: agents[url.protocol as 'http:' | 'https:'], signal: AbortSignal.timeout(timeoutMs),
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        }, (res) => {
          res.resume();
          const status = res.statusCode ?? 0;
          resolve(status >= 300 && status < 400 ? { kind: 'redirect', status, location: String(res.headers.location ?? '') } : { kind: 'answered', status });
        });
        req.on('error', (error) => (error instanceof WebhookTargetRefused ? resolve({ kind: 'refused', reason: error.message }) : reject(error)));
        req.end(body);
      });
    },
  };
}
