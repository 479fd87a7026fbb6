import { Migration20261122000000_core } from './Migration20261122000000_core.ts';
import { Migration20261122020000_delivery } from './Migration20261122020000_delivery.ts';
import { Migration20261122030000_proof } from './Migration20261122030000_proof.ts';
import { Migration20261122050000_queue_views } from './Migration20261122050000_queue_views.ts';
import { Migration20261122060000_home_viewers } from './Migration20261122060000_home_viewers.ts';
import { Migration20261123100000_audit_writer } from './Migration20261123100000_audit_writer.ts';
import { Migration20261125100000_journeys } from './Migration20261125100000_journeys.ts';
import { Migration20261201000000_installations } from './Migration20261201000000_installations.ts';
import { Migration20261202000000_delivery_intents } from './Migration20261202000000_delivery_intents.ts';
import { Migration20261203000000_idempotency_binding } from './Migration20261203000000_idempotency_binding.ts';
import { Migration20261203100000_api_rate_limits } from './Migration20261203100000_api_rate_limits.ts';
import { Migration20261203200000_card_redraws } from './Migration20261203200000_card_redraws.ts';

/** Every migration, in order. Listed explicitly so the app runs from TypeScript sources without a glob loader. */
export const MIGRATIONS = [
  { name: 'Migration20261122000000_core', class: Migration20261122000000_core },
  { name: 'Migration20261122020000_delivery', class: Migration20261122020000_delivery },
  { name: 'Migration20261122030000_proof', class: Migration20261122030000_proof },
  { name: 'Migration20261122050000_queue_views', class: Migration20261122050000_queue_views },
  { name: 'Migration20261122060000_home_viewers', class: Migration20261122060000_home_viewers },
  { name: 'Migration20261123100000_audit_writer', class: Migration20261123100000_audit_writer },
  { name: 'Migration20261125100000_journeys', class: Migration20261125100000_journeys },
  { name: 'Migration20261201000000_installations', class: Migration20261201000000_installations },
  { name: 'Migration20261202000000_delivery_intents', class: Migration20261202000000_delivery_intents },
  { name: 'Migration20261203000000_idempotency_binding', class: Migration20261203000000_idempotency_binding },
  { name: 'Migration20261203100000_api_rate_limits', class: Migration20261203100000_api_rate_limits },
  { name: 'Migration20261203200000_card_redraws', class: Migration20261203200000_card_redraws },
];
