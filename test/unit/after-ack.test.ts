import { describe, expect, it } from 'vitest';
import { createAfterAck } from '../../src/slack/after-ack.ts';

/** Work that runs until released, recording when it started. */
function gate(log: string[], name: string) {
  let open: () => void = () => undefined;
  const done = new Promise<void>((resolve) => { open = resolve; });
  return { work: async () => { log.push(name); await done; }, open: () => open() };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('after-ack work', () => {
  it('never runs more than its slots at once', async () => {
    const afterAck = createAfterAck(2);
    let running = 0;
    let most = 0;
    await Promise.all(Array.from({ length: 20 }, (_, i) => afterAck.run(i % 3 === 0 ? 'TA' : 'TB', async () => {
      running++;
      most = Math.max(most, running);
      await tick();
      running--;
    })));
    expect(most).toBe(2);
  });

  it("hands the next free slot to a workspace that waits behind another's burst", async () => {
    const afterAck = createAfterAck(1);
    const started: string[] = [];
    const burst = Array.from({ length: 50 }, (_, i) => gate(started, `A${i}`));
    const runs = burst.map((g) => afterAck.run('TBURST', g.work));
    await tick();
    const other = gate(started, 'B0');
    const otherRun = afterAck.run('TOTHER', other.work);
    const later = gate(started, 'B1');
    const laterRun = afterAck.run('TOTHER', later.work);
    // A0 holds the slot; when it finishes, B0 goes next, not A1..A49; then the turns alternate.
    burst[0]?.open();
    await tick();
    await tick();
    expect(started).toEqual(['A0', 'B0']);
    other.open();
    await otherRun;
    await tick();
    expect(started).toEqual(['A0', 'B0', 'A1']);
    burst[1]?.open();
    await tick();
    await tick();
    expect(started).toEqual(['A0', 'B0', 'A1', 'B1']);
    later.open();
    for (const g of burst) g.open();
    await Promise.all([...runs, laterRun]);
    expect(started).toHaveLength(52);
  });
});
