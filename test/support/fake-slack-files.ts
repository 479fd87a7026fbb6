/**
 * Files in the fake Slack, as the app meets them:
 * - a person attaches a file in a modal's `file_input`: the view_submission carries the file object; the app
 *   asks `files.info` (files:read) and downloads `url_private_download` with its bot token in an
 *   `Authorization: Bearer` header. Without a valid token Slack answers 200 with its HTML sign-in page, not
 *   the file, so an app that forgets the header gets HTML.
 * - the app shares a file: `files.getUploadURLExternal` (files:write) gives an upload URL and a file id, the
 *   bytes are POSTed there (raw or as multipart form data, no token needed), then
 *   `files.completeUploadExternal` (files:write) shares it, in a channel when `channel_id` is given.
 *   Completing a file whose bytes never arrived is refused (the exact error Slack gives is not documented;
 *   the fake answers `file_not_found`), so an app that skips the upload fails here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';

type Obj = Record<string, unknown>;
type SlackBody = Obj & { ok: boolean };

export interface FakeFile {
  readonly id: string;
  readonly name: string;
  readonly title: string;
  readonly userId: string;
  readonly content: Buffer;
  readonly created: number;
}

/** A file the app shared with completeUploadExternal. */
export interface SharedFile {
  readonly file: FakeFile;
  readonly channel: string | undefined;
  readonly initialComment: string | undefined;
}

interface PendingUpload {
  readonly id: string;
  readonly filename: string;
  readonly length: number;
  content: Buffer | null;
}

const ok = (extra: Obj = {}): SlackBody => ({ ok: true, ...extra });
const fail = (error: string, extra: Obj = {}): SlackBody => ({ ok: false, error, ...extra });
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);

const FILETYPES: Record<string, { filetype: string; mimetype: string }> = {
  yaml: { filetype: 'yaml', mimetype: 'text/plain' },
  yml: { filetype: 'yaml', mimetype: 'text/plain' },
  json: { filetype: 'json', mimetype: 'application/json' },
  txt: { filetype: 'text', mimetype: 'text/plain' },
};
const typeOf = (name: string) => FILETYPES[name.split('.').pop()?.toLowerCase() ?? ''] ?? { filetype: 'binary', mimetype: 'application/octet-stream' };

const SIGN_IN_PAGE = '<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to your workspace</body></html>';

export function createFakeFiles(opts: {
  readonly teamId: string;
  readonly baseUrl: () => string;
  readonly tokenOk: (token: string | undefined) => boolean;
  readonly resolveChannel: (channel: string | undefined) => { id: string } | { error: string };
  readonly nextId: (prefix: string) => string;
}) {
  const files = new Map<string, FakeFile>();
  const pending = new Map<string, PendingUpload>();
  const uploadIdOf = new Map<string, string>();
  const shared: SharedFile[] = [];

  const origin = (): string => new URL(opts.baseUrl()).origin;
  const downloadUrl = (f: FakeFile) => `${origin()}/files-pri/${opts.teamId}-${f.id}/download/${encodeURIComponent(f.name)}`;

  /** The file object as Slack sends it (files.info, file_input state, completeUploadExternal). */
  function fileJson(f: FakeFile): Obj {
    const kind = typeOf(f.name);
    return {
      id: f.id, created: f.created, timestamp: f.created, name: f.name, title: f.title, mimetype: kind.mimetype, filetype: kind.filetype,
      pretty_type: kind.filetype.toUpperCase(), user: f.userId, user_team: opts.teamId, editable: false, size: f.content.length, mode: 'hosted',
      is_external: false, external_type: '', is_public: false, public_url_shared: false, display_as_bot: false, username: '',
      url_private: `${origin()}/files-pri/${opts.teamId}-${f.id}/${encodeURIComponent(f.name)}`, url_private_download: downloadUrl(f),
      permalink: `https://fake-workspace.slack.com/files/${f.userId}/${f.id}/${encodeURIComponent(f.name)}`,
    };
  }

  function store(userId: string, name: string, title: string, content: Buffer): FakeFile {
    const file: FakeFile = { id: opts.nextId('F'), name, title, userId, content, created: Math.floor(Date.now() / 1000) };
    files.set(file.id, file);
    return file;
  }

  const handlers: Record<string, (args: Obj) => SlackBody> = {
    'files.info': (args) => {
      const file = files.get(str(args.file) ?? '');
      return file ? ok({ file: fileJson(file), comments: [], response_metadata: { next_cursor: '' } }) : fail('file_not_found');
    },

    'files.getUploadURLExternal': (args) => {
      const filename = str(args.filename);
      const length = Number(str(args.length));
      if (filename === undefined) return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] missing required field: filename'] } });
      if (!Number.isInteger(length) || length < 1) return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] missing required field: length'] } });
      const id = opts.nextId('F');
      const token = randomBytes(12).toString('hex');
      pending.set(id, { id, filename, length, content: null });
      uploadIdOf.set(token, id);
      return ok({ upload_url: `${origin()}/upload/v1/${token}`, file_id: id });
    },

    'files.completeUploadExternal': (args) => {
      const list = args.files;
      if (!Array.isArray(list) || list.length === 0) return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] missing required field: files'] } });
      const channelArg = str(args.channel_id);
      const channel = channelArg === undefined ? undefined : opts.resolveChannel(channelArg);
      if (channel && 'error' in channel) return fail(channel.error);
      const done: FakeFile[] = [];
      for (const entry of list as Obj[]) {
        const upload = pending.get(str(entry.id) ?? '');
        if (!upload?.content) return fail('file_not_found');
        const file: FakeFile = { id: upload.id, name: upload.filename, title: str(entry.title) ?? upload.filename, userId: 'U0BOT', content: upload.content, created: Math.floor(Date.now() / 1000) };
        files.set(file.id, file);
        pending.delete(upload.id);
        done.push(file);
      }
      for (const file of done) shared.push({ file, channel: channel && 'id' in channel ? channel.id : undefined, initialComment: str(args.initial_comment) });
      return ok({ files: done.map((f) => ({ id: f.id, title: f.title })) });
    },
  };

  function readRaw(req: IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  }

  /** Answers the upload and download URLs; false for any other path (the Web API methods). */
  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const upload = /^\/upload\/v1\/([0-9a-f]+)$/.exec(url.pathname);
    if (upload && req.method === 'POST') {
      const target = pending.get(uploadIdOf.get(upload[1] ?? '') ?? '');
      const raw = await readRaw(req);
      if (!target) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return true;
      }
      const contentType = String(req.headers['content-type'] ?? '');
      let content = raw;
      if (contentType.startsWith('multipart/form-data')) {
        const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': contentType } }).formData();
        const part = [...form.values()].find((v): v is File => typeof v !== 'string');
        content = part ? Buffer.from(await part.arrayBuffer()) : Buffer.alloc(0);
      }
      target.content = content;
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${content.length}`);
      return true;
    }
    const download = /^\/files-pri\/[A-Z0-9]+-(F[A-Z0-9]+)\/(?:download\/)?[^/]+$/.exec(url.pathname);
    if (download && req.method === 'GET') {
      const bearer = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
      const file = files.get(download[1] ?? '');
      if (!opts.tokenOk(bearer) || !file) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(SIGN_IN_PAGE);
        return true;
      }
      res.writeHead(200, { 'content-type': typeOf(file.name).mimetype, 'content-length': String(file.content.length) }).end(file.content);
      return true;
    }
    return false;
  }

  return {
    handlers,
    route,
    /** A file a person uploaded (say, into a modal's file_input); returns the file object the submission carries. */
    addUserFile(userId: string, name: string, content: string | Buffer): Obj {
      return fileJson(store(userId, name, name, typeof content === 'string' ? Buffer.from(content, 'utf8') : content));
    },
    /** Files the app shared, oldest first. */
    shared: (): readonly SharedFile[] => [...shared],
    reset(): void {
      files.clear();
      pending.clear();
      uploadIdOf.clear();
      shared.length = 0;
    },
  };
}
