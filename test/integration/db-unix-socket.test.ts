/**
 * DATABASE_URL may name a Unix socket directory the way libpq does (`?host=/var/run/postgresql`): a Postgres on
 * the same machine is then reached without TCP, by the ORM and by the raw connections alike.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createOrm } from '../../src/db/orm.ts';

const SOCKET_DIRECTORY = '/var/run/postgresql';
const hasSocket = existsSync(`${SOCKET_DIRECTORY}/.s.PGSQL.5432`);

describe.skipIf(!hasSocket)(`a Unix socket DATABASE_URL (needs PostgreSQL's socket in ${SOCKET_DIRECTORY})`, () => {
  it('connects through the socket, not TCP', async () => {
    const orm = await createOrm({ databaseUrl: `postgres://postgres@localhost/postgres?host=${SOCKET_DIRECTORY}`, poolSize: 1 });
    try {
      // inet_server_addr() is null on a Unix socket connection and the server's address on TCP.
      const rows = await orm.em.getConnection().execute<{ address: string | null }[]>('select inet_server_addr() as address');
      expect(rows).toEqual([{ address: null }]);
    } finally {
      await orm.close();
    }
  });

  it('still connects over TCP when the URL names a host', async () => {
    const orm = await createOrm({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/postgres', poolSize: 1 });
    try {
      const rows = await orm.em.getConnection().execute<{ address: string | null }[]>('select host(inet_server_addr()) as address');
      expect(rows).toEqual([{ address: '127.0.0.1' }]);
    } finally {
      await orm.close();
    }
  });
});
