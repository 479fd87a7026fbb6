import { generateSigningKey } from '../domain/checkpoint.ts';
import { runCli } from './run-cli.ts';

await runCli({
  name: 'audit:keygen',
  summary: 'Prints a new Ed25519 key pair for signed audit checkpoints. Nothing is stored.',
  usage: [],
  options: {},
}, async () => {
  const key = generateSigningKey();
  console.log(`# AUDIT_SIGNING_KEY (keep secret; key id ${key.keyId}):`);
  process.stdout.write(key.privateKeyPem);
  console.log(`# One-line form for an env file:`);
  console.log(`AUDIT_SIGNING_KEY="${key.privateKeyPem.trim().replace(/\n/g, '\\n')}"`);
  console.log(`# Public key (publish it; auditors verify checkpoints with it, also served at GET /api/v1/audit/public-key):`);
  process.stdout.write(key.publicKeyPem);
});
