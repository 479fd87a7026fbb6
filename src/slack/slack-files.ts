import type { WebClient } from '@slack/web-api';
import { DomainError } from '../domain/index.ts';

/** Largest file a person may attach as a workflow definition: far above the largest workflow the schema allows. */
export const MAX_ATTACHED_BYTES = 1024 * 1024;

/**
 * Reads a text file a person attached in a modal's file_input. `files.info` (files:read) gives its size and
 * private download URL; the bytes come from that URL with the bot token (without it Slack answers with its
 * HTML sign-in page, which is refused here rather than read as the file).
 */
export async function readAttachedFile(client: WebClient, fileId: string, what = 'file'): Promise<{ name: string; text: string }> {
  const info = await client.files.info({ file: fileId });
  const file = info.file;
  const url = file?.url_private_download ?? file?.url_private;
  if (!file || !url) throw new DomainError('invalid_input', `Slack did not give me the ${what} to read; please attach it again.`);
  const name = file.name ?? 'the file';
  if ((file.size ?? 0) > MAX_ATTACHED_BYTES) {
    throw new DomainError('invalid_input', `${name} is ${Math.ceil((file.size ?? 0) / 1024)} KB; a ${what} is at most ${MAX_ATTACHED_BYTES / 1024} KB.`);
  }
  const response = await fetch(url, { headers: { authorization: `Bearer ${client.token ?? ''}` } });
  const type = response.headers.get('content-type') ?? '';
  if (!response.ok || type.startsWith('text/html')) {
    throw new DomainError('invalid_input', `Slack did not let me read ${name}. Please attach it again; if this keeps happening, an admin should check that the app has the files:read scope.`);
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > MAX_ATTACHED_BYTES) throw new DomainError('invalid_input', `${name} is larger than ${MAX_ATTACHED_BYTES / 1024} KB.`);
  try {
    return { name, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    throw new DomainError('invalid_input', `${name} is not a text file (UTF-8 YAML or JSON).`);
  }
}

/**
 * Sends a text file to a person's DM with the app (files:write: an upload URL, the bytes, then the share).
 * Returns the file id.
 */
export async function sendTextFile(client: WebClient, userId: string, file: { filename: string; title: string; content: string; comment: string }): Promise<string> {
  const dm = await client.conversations.open({ users: userId });
  const channel = dm.channel?.id;
  if (!channel) throw new Error('conversations.open answered without a channel');
  const upload = await client.files.getUploadURLExternal({ filename: file.filename, length: Buffer.byteLength(file.content, 'utf8') });
  if (!upload.upload_url || !upload.file_id) throw new Error('files.getUploadURLExternal answered without an upload URL');
  const sent = await fetch(upload.upload_url, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from(file.content, 'utf8') });
  if (!sent.ok) throw new Error(`the file upload answered HTTP ${sent.status}`);
  await client.files.completeUploadExternal({ files: [{ id: upload.file_id, title: file.title }], channel_id: channel, initial_comment: file.comment });
  return upload.file_id;
}
