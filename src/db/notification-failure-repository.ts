import { sql, type Sql, type SqlRow, type SqlRunner } from './sql.ts';
import type { Tx } from './transaction.ts';

export interface NotificationFailure {
  readonly teamId: string;
  readonly messageKey: string;
  readonly kind: string;
  readonly recipientId: string | null;
  readonly submissionId: string | null;
  readonly error: string;
  readonly detail: string | null;
}

export interface StoredNotificationFailure extends Omit<NotificationFailure, 'teamId'> {
  readonly id: number;
  readonly at: Date;
}

/** Slack messages that could not be delivered, for admins to see. */
export function createNotificationFailureRepository(db: SqlRunner) {
  const rows = async (statement: Sql, tx?: Tx): Promise<SqlRow[]> => (await (tx?.sql ?? db).run([statement]))[0] ?? [];
  return {
    async insert(tx: Tx, f: NotificationFailure): Promise<void> {
      await rows(sql`insert into notification_failure (team_id, message_key, kind, recipient_id, submission_id, error, detail)
        values (${f.teamId}, ${f.messageKey}, ${f.kind}, ${f.recipientId}, ${f.submissionId}, ${f.error}, ${f.detail})`, tx);
    },
    async latest(teamId: string, limit: number): Promise<StoredNotificationFailure[]> {
      return (await rows(sql`select id, message_key, kind, recipient_id, submission_id, error, detail, created_at from notification_failure
        where team_id = ${teamId} order by created_at desc, id desc limit ${limit}`)).map((r) => ({
        id: Number(r.id), messageKey: r.message_key as string, kind: r.kind as string, recipientId: r.recipient_id as string | null,
        submissionId: r.submission_id as string | null, error: r.error as string, detail: r.detail as string | null, at: new Date(r.created_at as string),
      }));
    },
  };
}
export type NotificationFailureRepository = ReturnType<typeof createNotificationFailureRepository>;
