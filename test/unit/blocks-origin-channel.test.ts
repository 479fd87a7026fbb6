import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../blocks/limits.ts';
import { splitOriginChannel, withOriginChannel } from '../../blocks/metadata.ts';

describe('the origin channel a modal carries', () => {
  it('goes ahead of the modal\'s own metadata and comes off again unchanged', () => {
    const view = withOriginChannel({ type: 'modal' as const, private_metadata: '{"s":"x"}' }, 'C0123ABC');
    expect(view.private_metadata).toBe('o=C0123ABC;{"s":"x"}');
    expect(splitOriginChannel(view.private_metadata)).toEqual({ channelId: 'C0123ABC', metadata: '{"s":"x"}' });
    // Carried again (an update of a modal that had one), it is replaced, not stacked.
    expect(withOriginChannel(view, 'D0999').private_metadata).toBe('o=D0999;{"s":"x"}');
  });

  it('is left off without a channel, with something that is not a channel id, or when the metadata would not fit', () => {
    const view = { private_metadata: 'role-name' };
    expect(withOriginChannel(view, null)).toBe(view);
    expect(withOriginChannel(view, 'U0123')).toBe(view);
    const full = { private_metadata: 'x'.repeat(LIMITS.PRIVATE_METADATA - 5) };
    expect(withOriginChannel(full, 'C0123ABC')).toBe(full);
    expect(splitOriginChannel('role-name')).toEqual({ channelId: null, metadata: 'role-name' });
  });
});
