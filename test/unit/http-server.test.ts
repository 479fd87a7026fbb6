/**
 * The app's HTTP server lets go of clients that do not finish sending their request: whatever such a client
 * holds (its socket, a partial body) is released after a bounded time, and nothing is handled for it.
 */
import { connect } from 'node:net';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, listen } from '../../src/http/listen.ts';
import { createHttpServer, REQUEST_TIMEOUTS, sendJson, type RouteHandler } from '../../src/http/server.ts';

const timeouts = { headersMs: 300, requestMs: 400, checkEveryMs: 50 };

/** A route that acts only on a complete body, as Bolt and the REST API do. */
function recordingRoute(handled: string[]): RouteHandler {
  return async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    handled.push(Buffer.concat(chunks).toString());
    sendJson(res, 200, { ok: true });
    return true;
  };
}

/** Writes `text` on a raw connection and resolves with everything the server sends until it closes it. */
function rawExchange(port: number, text: string, waitMs: number): Promise<{ reply: string; closed: boolean; afterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let reply = '';
    socket.on('data', (chunk) => (reply += chunk.toString()));
    socket.on('error', reject);
    const giveUp = setTimeout(() => {
      socket.destroy();
      resolve({ reply, closed: false, afterMs: Date.now() - started });
    }, waitMs);
    socket.on('close', () => {
      clearTimeout(giveUp);
      resolve({ reply, closed: true, afterMs: Date.now() - started });
    });
  });
}

describe('the HTTP server', () => {
  let server: Server | null = null;
  afterEach(async () => {
    if (server) await closeServer(server, 100);
    server = null;
  });

  async function start(handled: string[]): Promise<number> {
    server = createHttpServer([recordingRoute(handled)], { timeouts });
    return listen(server, 0);
  }

  it('answers 408 and closes the connection when a body stops arriving, handling nothing', async () => {
    const handled: string[] = [];
    const port = await start(handled);
    const partial = 'POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\npayload=%7B%22type';
    const { reply, closed, afterMs } = await rawExchange(port, partial, 5000);
    expect(reply).toMatch(/^HTTP\/1\.1 408 /);
    expect(closed).toBe(true);
    expect(afterMs).toBeLessThan(2000);
    expect(handled).toEqual([]);
  });

  it('answers 408 and closes the connection when the headers never end', async () => {
    const handled: string[] = [];
    const port = await start(handled);
    const { reply, closed } = await rawExchange(port, 'POST /slack/events HTTP/1.1\r\nHost: x\r\nX-Slow: ', 5000);
    expect(reply).toMatch(/^HTTP\/1\.1 408 /);
    expect(closed).toBe(true);
    expect(handled).toEqual([]);
  });

  it('handles a request that arrives whole', async () => {
    const handled: string[] = [];
    const port = await start(handled);
    const { reply } = await rawExchange(port, 'POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello', 5000);
    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
    expect(handled).toEqual(['hello']);
  });

  it('gives clients seconds, not minutes, by default', () => {
    const defaults = createHttpServer([]);
    expect(defaults.headersTimeout).toBe(REQUEST_TIMEOUTS.headersMs);
    expect(defaults.requestTimeout).toBe(REQUEST_TIMEOUTS.requestMs);
    expect(REQUEST_TIMEOUTS.requestMs).toBeLessThanOrEqual(15_000);
  });
});
