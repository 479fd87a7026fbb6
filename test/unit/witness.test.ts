import { describe, expect, it } from 'vitest';
import { checkpointText, generateSigningKey, loadSigningKey, signCheckpoint } from '../../src/domain/checkpoint.ts';
import { checkpointsInFile, checkpointsInText } from '../../src/domain/witness.ts';
import { checkpointWitness } from '../../blocks/checkpoint.ts';

const key = loadSigningKey(generateSigningKey().privateKeyPem);
const signed = (seq: number) => signCheckpoint({ chainId: 'T0ACME', seq, hash: String(seq % 10).repeat(64), count: seq, signedAt: '2026-11-22T03:00:00.000Z' }, key);

describe('checkpoints kept outside the database', () => {
  it('are found in the witness channel post exactly as the app writes it (a code block in mrkdwn)', () => {
    const a = signed(5);
    const post = checkpointWitness({ chainId: a.chainId, seq: a.seq, text: checkpointText(a) });
    const section = post.blocks?.[1] as { text: { text: string } };
    const found = checkpointsInText(section.text.text.replace(/&/g, '&amp;'), 'Slack C1 message 1.0');
    expect(found).toEqual([{ ...a, source: 'Slack C1 message 1.0' }]);
    expect(checkpointsInText(post.text ?? '', 'x')).toEqual([]);
  });

  it('are read from JSON Lines, CSV exports and plain checkpoint texts, each named by file and line', () => {
    const [a, b, c] = [signed(3), signed(7), signed(9)];
    const jsonl = [
      JSON.stringify({ record: 'event', chainId: 'T0ACME', seq: 1, details: { note: 'audit-checkpoint/v1' } }),
      JSON.stringify({ record: 'checkpoint', chainId: a.chainId, seq: a.seq, hash: a.hash, payload: a.payload, signature: a.signature }),
    ].join('\n');
    expect(checkpointsInFile(jsonl, 'export.jsonl')).toEqual([{ ...a, source: 'export.jsonl line 2' }]);

    const csv = `record,chain_id,seq,body,signature\r\nevent,T0ACME,1,"{}",\r\ncheckpoint,T0ACME,7,"${b.payload}",${b.signature}\r\n`;
    expect(checkpointsInFile(csv, 'export.csv')).toEqual([{ ...b, source: 'export.csv line 3' }]);

    const texts = `kept by the auditors\n\n${checkpointText(a)}\n\n${checkpointText(c)}\n`;
    expect(checkpointsInFile(texts, 'witness.txt').map((x) => [x.seq, x.source])).toEqual([[3, 'witness.txt line 3'], [9, 'witness.txt line 12']]);
  });

  it('ignore text that only looks like a checkpoint', () => {
    const a = signed(4);
    expect(checkpointsInText(a.payload, 'x')).toEqual([]); // no signature
    expect(checkpointsInText(checkpointText(a).replace('seq=4', 'seq=four'), 'x')).toEqual([]);
    expect(checkpointsInFile('{"payload": "nope", "signature": "AAAA"}\n{broken', 'f')).toEqual([]);
  });
});
