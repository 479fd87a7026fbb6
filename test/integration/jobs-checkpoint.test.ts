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

  it('tells admins, naming the channel, when the bot was not added to the witness channel, and posts nothing there', async () => {
    h.fake.addChannel('CNOBOT001', { name: 'audit-witness', botIsMember: false });
    await h.services.directory.setRole(h.teamId, h.admin, { name: 'legal', members: h.users('LEG') }, slackOrigin(h.teamId));
    const privateKey = loadSigningKey(generateSigningKey().privateKeyPem);
    expect((await h.services.checkpoints.signChain(h.teamId, { privateKey, channelId: 'CNOBOT001' }))?.created).toBe(true);

    const [failure] = await waitUntil(async () => {
      const failures = await h.services.delivery.notificationFailures(h.teamId, h.admin);
      return failures.some((f) => f.kind === 'checkpoint') ? failures : null;
    }, 10_000, 'the refused checkpoint post recorded');
    expect(failure).toMatchObject({ kind: 'checkpoint', recipientId: 'CNOBOT001', error: 'not_in_channel' });
    await settled(h);
    expect(h.fake.callsTo('chat.postMessage').filter((c) => c.args.channel === 'CNOBOT001').map((c) => c.response?.error)).toEqual(['not_in_channel']);
  });
});
