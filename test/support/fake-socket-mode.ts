/**
 * Socket Mode for the fake Slack: `apps.connections.open` hands out a WebSocket URL on the fake's own port;
 * the fake greets each connection with `hello`, delivers envelopes (slash_commands, interactive, events_api)
 * and resolves with the app's acknowledgement, as Slack does.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

export const SOCKET_MODE_PATH = '/socket-mode';

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

export interface FakeSocketMode {
  /** The wss-style URL apps.connections.open answers with. */
  readonly url: () => string;
  /** Resolves once an app has connected (and been sent `hello`). */
  connected(timeoutMs?: number): Promise<void>;
  /** Sends an envelope to the connected app; resolves with its ack (envelope_id and optional payload). */
  deliver(type: EnvelopeType, payload: Record<string, unknown>, timeoutMs?: number): Promise<{ envelope_id: string; payload?: unknown }>;
  /** Slack's WebSocket endpoint cannot be reached: connection attempts are cut off (`true` until set `false`). */
  refuseConnections(refuse: boolean): void;
  close(): void;
}

export function attachSocketMode(server: Server, port: () => number, appId: string): FakeSocketMode {
  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<WebSocket>();
  const acks = new Map<string, (ack: { envelope_id: string; payload?: unknown }) => void>();
  const connectWaiters = new Set<() => void>();
  let refusing = false;

  server.on('upgrade', (req, socket, head) => {
    if (!req.url?.startsWith(SOCKET_MODE_PATH) || refusing) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data) => {
        const message = JSON.parse(String(data)) as { envelope_id?: string; payload?: unknown };
        if (message.envelope_id) acks.get(message.envelope_id)?.({ envelope_id: message.envelope_id, payload: message.payload });
      });
      ws.send(JSON.stringify({ type: 'hello', num_connections: sockets.size, debug_info: { host: 'fake-slack' }, connection_info: { app_id: appId } }));
      for (const waiter of [...connectWaiters]) waiter();
    });
  });

  return {
    url: () => `ws://127.0.0.1:${port()}${SOCKET_MODE_PATH}?ticket=${randomUUID()}`,
    connected(timeoutMs = 5000) {
      if (sockets.size > 0) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('fake Slack: no Socket Mode connection')), timeoutMs);
        const waiter = () => {
          clearTimeout(timer);
          connectWaiters.delete(waiter);
          resolve();
        };
        connectWaiters.add(waiter);
      });
    },
    deliver(type, payload, timeoutMs = 5000) {
      const socket = [...sockets][0];
      if (!socket) return Promise.reject(new Error('fake Slack: no Socket Mode connection to deliver to'));
      const envelopeId = randomUUID();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          acks.delete(envelopeId);
          reject(new Error(`fake Slack: envelope ${type} was not acknowledged within ${timeoutMs} ms`));
        }, timeoutMs);
        acks.set(envelopeId, (ack) => {
          clearTimeout(timer);
          acks.delete(envelopeId);
          resolve(ack);
        });
        socket.send(JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: type !== 'events_api', retry_attempt: 0, retry_reason: '' }));
      });
    },
    refuseConnections(refuse) {
      refusing = refuse;
    },
    close() {
      for (const socket of sockets) socket.terminate();
      wss.close();
    },
  };
}
