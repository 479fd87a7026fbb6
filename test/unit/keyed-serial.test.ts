import { describe, expect, it } from 'vitest';
import { keyedSerial } from '../../src/jobs/keyed-serial.ts';

const tick = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('keyedSerial', () => {
  it("runs one key's tasks one at a time in the order they started, other keys alongside", async () => {
    const serial = keyedSerial();
    const log: string[] = [];
    const task = (key: string, name: string, ms: number) => serial(key, async () => {
      log.push(`start ${name}`);
      await tick(ms);
      log.push(`end ${name}`);
      return name;
    });
    const results = await Promise.all([task('a', 'a1', 30), task('a', 'a2', 5), task('b', 'b1', 10), task('a', 'a3', 1)]);
    expect(results).toEqual(['a1', 'a2', 'b1', 'a3']);
    // b1 ran while a1 did; a2 waited for a1 and a3 for a2, though they were quicker.
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
    expect(log.filter((l) => / a\d/.test(l))).toEqual(['start a1', 'end a1', 'start a2', 'end a2', 'start a3', 'end a3']);
  });

  it('goes on with the next task of a key after one fails', async () => {
    const serial = keyedSerial();
    const failed = serial('a', async () => {
      await tick(5);
      throw new Error('boom');
    });
    const next = serial('a', async () => 'ran');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ran');
  });
});
