import { describe, expect, it } from 'vitest';
import { NotRecordedInTime } from '../../src/services/index.ts';
import { createWorkSlots } from '../../src/slack/work-slots.ts';

/** Work that runs until released, recording when it started. */
function gate(log: string[], name: string) {
  let open: () => void = () => undefined;
  const done = new Promise<void>((resolve) => { open = resolve; });
  return { work: async () => { log.push(name); await done; }, open: () => open() };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('work slots', () => {
  it('never runs more than its slots at once', async () => {
    const slots = createWorkSlots(2, 100);
    let running = 0;
    let most = 0;
    await Promise.all(Array.from({ length: 20 }, (_, i) => slots.run(i % 3 === 0 ? 'TA' : 'TB', async () => {
      running++;
      most = Math.max(most, running);
      await tick();
      running--;
    })));
    expect(most).toBe(2);
  });

  it("hands the next free slot to a workspace that waits behind another's burst", async () => {
    const slots = createWorkSlots(1, 100);
    const started: string[] = [];
    const burst = Array.from({ length: 50 }, (_, i) => gate(started, `A${i}`));
    const runs = burst.map((g) => slots.run('TBURST', g.work));
    await tick();
    const other = gate(started, 'B0');
    const otherRun = slots.run('TOTHER', other.work);
    const later = gate(started, 'B1');
    const laterRun = slots.run('TOTHER', later.work);
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

  it('refuses at once, without running it, work that finds the waiting line full', async () => {
    const slots = createWorkSlots(1, 2);
    const log: string[] = [];
    const first = gate(log, 'running');
    const running = slots.run('TA', first.work);
    const queued = [slots.run('TA', async () => { log.push('q1'); }), slots.run('TB', async () => { log.push('q2'); })];
    await tick();
    expect(slots.waiting).toBe(2);
    await expect(slots.run('TC', async () => { log.push('over'); })).rejects.toBeInstanceOf(NotRecordedInTime);
    first.open();
    await Promise.all([running, ...queued]);
    expect(log.sort()).toEqual(['q1', 'q2', 'running']);
    expect(slots.waiting).toBe(0);
  });

  it('drops work still waiting for a slot at its start-by time, and never runs it later', async () => {
    const slots = createWorkSlots(1, 10);
    const log: string[] = [];
    const first = gate(log, 'running');
    const running = slots.run('TA', first.work);
    const late = slots.run('TA', async () => { log.push('late'); }, { startBy: Date.now() + 30 });
    const patient = slots.run('TA', async () => { log.push('patient'); });
    await expect(late).rejects.toBeInstanceOf(NotRecordedInTime);
    expect(slots.waiting).toBe(1);
    first.open();
    await Promise.all([running, patient]);
    expect(log).toEqual(['running', 'patient']);
  });

  it('lets work that got its slot in time run to its end, however long it takes', async () => {
    const slots = createWorkSlots(1, 10);
    const log: string[] = [];
    const slow = gate(log, 'slow');
    const run = slots.run('TA', slow.work, { startBy: Date.now() + 20 });
    await new Promise((r) => setTimeout(r, 50));
    slow.open();
    await expect(run).resolves.toBeUndefined();
    expect(log).toEqual(['slow']);
  });

  it('refuses at once work that would wait for a slot and is not expected to be done within half its time left', async () => {
    const slots = createWorkSlots(1, 100);
    // Work has been taking about 40 ms a piece.
    for (let i = 0; i < 30; i++) await slots.run('TA', () => new Promise((r) => setTimeout(r, 40)));
    const log: string[] = [];
    const busy = gate(log, 'busy');
    const running = slots.run('TA', busy.work);
    // Behind the running piece it would be done in about 80 ms: too late for 100 ms left, in time for 1 s.
    const asked = Date.now();
    await expect(slots.run('TB', async () => { log.push('hurried'); }, { startBy: Date.now() + 100 })).rejects.toBeInstanceOf(NotRecordedInTime);
    expect(Date.now() - asked).toBeLessThan(20);
    expect(slots.waiting).toBe(0);
    const patient = slots.run('TB', async () => { log.push('patient'); }, { startBy: Date.now() + 1000 });
    // Without a start-by time (a Home tab) it waits however busy the slots are.
    const unhurried = slots.run('TC', async () => { log.push('unhurried'); });
    busy.open();
    await Promise.all([running, patient, unhurried]);
    expect(log.sort()).toEqual(['busy', 'patient', 'unhurried']);
  });
});
