import { Migration } from '@mikro-orm/migrations';

/**
 * One redraw per card and change, however many events ask for it:
 * - slack_message.drawn_version: a digest of what the message shows now (its text and blocks as last posted or
 *   updated). A redraw that would show the same skips its chat.update, so redraws of an unchanged card cost no
 *   Slack call (chat.update is rate limited per workspace).
 * - delivery_intent.requests: how many times a coalesced intent (a card's redraw, one row per card) was asked
 *   for. Asking again re-opens a finished intent or counts one more request on a pending one; the job finishes
 *   the intent only if no request came in while it drew, else it draws again, so no change goes undrawn.
 */
export class Migration20261203200000_card_redraws extends Migration {
  override name = 'Migration20261203200000_card_redraws';

  override up(): void {
    this.addSql(`
alter table slack_message add column drawn_version text;
alter table delivery_intent add column requests int not null default 1;
`);
  }
}
