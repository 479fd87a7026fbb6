import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey, loadSigningKey, parseCheckpointText, publicKeyOf, verifyCheckpoint } from '../../src/domain/checkpoint.ts';
import { slackOrigin } from '../support/db.ts';
import { createHarness, settled, waitUntil, type Harness } from './jobs-harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.stop());

describe('signed checkpoints reach the witness channel', () => {
  it('posts each new checkpoint once, verbatim and verifiable', async () => {
    h.fake.addChannel('CWITNESS01', { name: 'audit-witness' });
    await h.services.directory.setRole(h.teamId, h.admin, { name: 'finance', members: h.users('FIN') }, slackOrigin(h.teamId));
    const privateKey = loadSigningKey(generateSigningKey().privateKeyPem);
    const signed = await h.services.checkpoints.signChain(h.teamId, { privateKey, channelId: 'CWITNESS01' });
    expect(signed?.created).toBe(true);

    const post = await waitUntil(() => h.fake.callsTo('chat.postMessage').find((c) => c.args.channel === 'CWITNESS01' && c.response?.ok === true), 10_000, 'the checkpoint post');
    const text = JSON.stringify(post.args.blocks).match(/```([^`]+)```/)?.[1]?.replace(/\\n/g, '\n') ?? '';
    const checkpoint = parseCheckpointText(text);
    expect(checkpoint).toMatchObject({ chainId: h.teamId, seq: 1 });
    expect(checkpoint && verifyCheckpoint(checkpoint, publicKeyOf(privateKey)).ok).toBe(true);

    // Signing again with nothing new changes nothing, and the relay never posts the same checkpoint twice.
    expect((await h.services.checkpoints.signChain(h.teamId, { privateKey, channelId: 'CWITNESS01' }))?.created).toBe(false);
    await h.runtime?.reconcileNow();
    await settled(h);
    expect(h.fake.callsTo('chat.postMessage').filter((c) => c.args.channel === 'CWITNESS01')).toHaveLength(1);
  });

});
