import { describe, expect, it } from 'vitest';
import type { FetchFunction } from '@slack/web-api';
import { slackCallsTotal, slackErrorsTotal } from '../../src/observability/metrics.ts';
import { instrumentedSlackFetch } from '../../src/observability/slack-fetch.ts';

const answering = (body: string, contentType = 'application/json; charset=utf-8', status = 200): FetchFunction =>
  async () => new Response(body, { status, headers: { 'content-type': contentType } });

async function count(metric: typeof slackCallsTotal | typeof slackErrorsTotal, labels: Record<string, string>): Promise<number> {
  const { values } = await metric.get();
  return values.find((v) => Object.entries(labels).every(([k, l]) => (v.labels as Record<string, unknown>)[k] === l))?.value ?? 0;
}

describe('the instrumented Slack fetch', () => {
  it("counts Slack's platform errors and hands the client the answer it got", async () => {
    const before = await count(slackErrorsTotal, { method: 'chat.postEphemeral', error: 'user_not_in_channel' });
    const fetch = instrumentedSlackFetch(answering('{"ok":false,"error":"user_not_in_channel"}'));
    const response = await fetch('https://slack.com/api/chat.postEphemeral');
    expect(await response.text()).toBe('{"ok":false,"error":"user_not_in_channel"}');
    expect(await count(slackErrorsTotal, { method: 'chat.postEphemeral', error: 'user_not_in_channel' })).toBe(before + 1);
  });

  it('counts an ok answer as ok, an unreadable one as such, and leaves other bodies unread', async () => {
    const ok = await count(slackCallsTotal, { method: 'chat.update', result: 'ok' });
    const answer = await instrumentedSlackFetch(answering('{"ok":true,"ts":"1.2"}'))('https://slack.com/api/chat.update');
    expect(await answer.json()).toEqual({ ok: true, ts: '1.2' });
    expect(await count(slackCallsTotal, { method: 'chat.update', result: 'ok' })).toBe(ok + 1);

    const unreadable = await count(slackErrorsTotal, { method: 'chat.delete', error: 'unreadable_response' });
    await instrumentedSlackFetch(answering('{"ok":'))('https://slack.com/api/chat.delete');
    expect(await count(slackErrorsTotal, { method: 'chat.delete', error: 'unreadable_response' })).toBe(unreadable + 1);

    const zipped = await instrumentedSlackFetch(answering('binary', 'application/gzip'))('https://slack.com/api/admin.analytics.getFile');
    expect(new TextDecoder().decode(await zipped.arrayBuffer())).toBe('binary');
  });
});
