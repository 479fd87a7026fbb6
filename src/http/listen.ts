import type { Server } from 'node:http';
import { StartupError } from '../config/env.ts';

/** Listens on `port` (0 picks a free one) and resolves with the port actually bound; a taken port is a StartupError. */
export async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new StartupError(`Port ${port} is already in use (PORT): another process listens on it; stop that one or set PORT to a free port.`));
      else if (error.code === 'EACCES') reject(new StartupError(`Port ${port} needs privileges this process does not have (PORT): use a port above 1023.`));
      else reject(error);
    };
    server.once('error', failed);
    server.listen(port, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const address = server.address();
  return typeof address === 'object' && address ? address.port : port;
}

/**
 * Stops accepting connections and resolves when every request in flight has been answered. Idle keep-alive
 * connections are closed at once; busy ones close after their response. After `graceMs` the rest are cut.
 */
export async function closeServer(server: Server, graceMs = 10_000): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  timer.unref();
  await closed;
  clearTimeout(timer);
}
