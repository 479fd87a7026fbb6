import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Slack's replay window: a signed request older than this is refused (Slack signs with its clock, in seconds). */
export const REPLAY_WINDOW_SECONDS = 5 * 60;

/** The largest body taken from Slack (Bolt's own limit): more is answered 413 without being read into memory. */
export const SLACK_BODY_LIMIT = 4 * 1024 * 1024;

export type SignatureCheck = 'valid' | 'invalid' | 'ssl_check';

const header = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/**
 * Slack's request signature (v0): HMAC-SHA256 of `v0:<timestamp>:<body>` under the signing secret, compared in
 * constant time, the timestamp inside the replay window. The key is prepared once, and one HMAC is computed
 * per request. Slack's SSL check (a form body with `ssl_check=1`) is not signed; it passes with its body cut down
 * to that one field, so nothing unsigned reaches a listener.
 */
export function slackSignatureVerifier(signingSecret: string) {
  const key = createSecretKey(Buffer.from(signingSecret, 'utf8'));
  return (headers: IncomingMessage['headers'], body: Buffer, nowMs = Date.now()): SignatureCheck => {
    if (valid(header(headers['x-slack-request-timestamp']), header(headers['x-slack-signature']), body, nowMs)) return 'valid';
    return isSslCheck(headers, body) ? 'ssl_check' : 'invalid';
  };

  function valid(timestamp: string | undefined, signature: string | undefined, body: Buffer, nowMs: number): boolean {
    if (!timestamp || !/^\d{1,12}$/.test(timestamp) || !signature?.startsWith('v0=')) return false;
    if (Number(timestamp) < Math.floor(nowMs / 1000) - REPLAY_WINDOW_SECONDS) return false;
    const ours = createHmac('sha256', key).update(`v0:${timestamp}:`).update(body).digest();
    const theirs = Buffer.from(signature.slice(3), 'hex');
    return theirs.length === ours.length && timingSafeEqual(theirs, ours);
  }
}

function isSslCheck(headers: IncomingMessage['headers'], body: Buffer): boolean {
  if (header(headers['content-type']) !== 'application/x-www-form-urlencoded') return false;
  return new URLSearchParams(body.toString('utf8')).get('ssl_check') === '1';
}

/** The request's body, or null (the rest left unread) once it grows past `limit` bytes. */
export function readBody(req: IncomingMessage, limit = SLACK_BODY_LIMIT): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.off('end', onEnd);
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', reject);
  });
}
