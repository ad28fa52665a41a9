/**
 * `leadflow playground`: serves the built playground (the browser app, shipped in the package as
 * `dist/playground/`) on localhost with a small static file server on `node:http`.
 *
 * ```
 * leadflow playground [--port 5178] [--host 127.0.0.1] [--open]
 * ```
 *
 * Only files inside the playground folder are served: `/` is `index.html`, anything not found is
 * 404 (no fallback page), a path with a `..` segment (plain or percent-encoded) or one resolving
 * outside the folder (a symlink included) is 403. Vite's hashed files under `/assets/` are cached
 * for a year (`immutable`); everything else is revalidated (`no-cache`).
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from './inputs.js';
import type { CliIo } from './main.js';

/** The port `leadflow playground` listens on without `--port` (next to Vite's 5173). */
export const DEFAULT_PLAYGROUND_PORT = 5178;

/**
 * The built playground next to the CLI bundle: `dist/cli/main.js` → `dist/playground/`. Run from
 * source (`src/cli/`) it is `src/playground/`, which does not exist: the command says so.
 *
 * @example
 * ```ts
 * import { builtPlaygroundDir } from './playground.js'; // src/cli/playground.ts
 * builtPlaygroundDir(); // '/…/node_modules/leadflow/dist/playground'
 * ```
 */
export function builtPlaygroundDir(): string {
  return fileURLToPath(new URL('../playground/', import.meta.url)).replace(/[\\/]$/, '');
}

const CONTENT_TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
});

/**
 * The `Content-Type` of a file by its extension (`application/octet-stream` when unknown).
 *
 * @example
 * ```ts
 * import { contentTypeOf } from './playground.js'; // src/cli/playground.ts
 * contentTypeOf('assets/index-CQx7f01w.js'); // 'text/javascript; charset=utf-8'
 * ```
 */
export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Where a request path leads: a file to try, or a refusal with its status. */
export type StaticTarget =
  | { readonly kind: 'file'; readonly path: string; readonly immutable: boolean }
  | { readonly kind: 'refused'; readonly status: 400 | 403 };

/**
 * Map a request target (`req.url`, as sent: not normalised) to a file under `root`: the query is
 * dropped, the path percent-decoded, `/` and any path ending in `/` get `index.html`. Refused:
 * malformed escapes or a NUL byte (400), any `..` segment — also `%2e%2e`, `..%2f`, `..\` — and
 * anything resolving outside `root` (403). The file may still not exist.
 *
 * @example
 * ```ts
 * import { resolveStaticPath } from './playground.js'; // src/cli/playground.ts
 * resolveStaticPath('/srv/app', '/assets/a.js?v=1'); // { kind: 'file', path: '/srv/app/assets/a.js', immutable: true }
 * resolveStaticPath('/srv/app', '/%2e%2e/package.json'); // { kind: 'refused', status: 403 }
 * ```
 */
export function resolveStaticPath(root: string, target: string): StaticTarget {
  const end = target.search(/[?#]/);
  const raw = end === -1 ? target : target.slice(0, end);
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return { kind: 'refused', status: 400 };
  }
  if (decoded.includes('\0')) return { kind: 'refused', status: 400 };
  if (!decoded.startsWith('/')) return { kind: 'refused', status: 400 };
  if (decoded.split(/[\\/]/).some((segment) => segment === '..')) return { kind: 'refused', status: 403 };
  const relative = decoded.endsWith('/') ? `${decoded}index.html` : decoded;
  const base = resolve(root);
  const path = resolve(base, `.${relative}`);
  if (!path.startsWith(base + sep)) return { kind: 'refused', status: 403 };
  return { kind: 'file', path, immutable: relative.startsWith('/assets/') };
}

/**
 * Options of {@link startStaticServer}.
 */
export interface StaticServerOptions {
  /** The folder to serve (must exist). */
  readonly root: string;
  /**
   * Port to listen on; `0` picks a free one.
   * @default 5178
   */
  readonly port?: number;
  /**
   * Address to listen on.
   * @default '127.0.0.1'
   */
  readonly host?: string;
}

/** A running static server: its URL and port, and `close()` (ends open connections too). */
export interface StaticServer {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  500: 'Internal Server Error',
};

function fail(res: ServerResponse, status: number, extra: Record<string, string> = {}) {
  const body = `${status} ${STATUS_TEXT[status] ?? ''}\n`;
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...extra,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

async function handle(root: string, realRoot: string, req: IncomingMessage, res: ServerResponse) {
  if (req.method !== 'GET' && req.method !== 'HEAD') return fail(res, 405, { Allow: 'GET, HEAD' });
  const target = resolveStaticPath(root, req.url ?? '/');
  if (target.kind === 'refused') return fail(res, target.status);
  let real: string;
  let size: number;
  try {
    real = await realpath(target.path);
    const info = await stat(real);
    if (!info.isFile()) return fail(res, 404);
    size = info.size;
  } catch {
    return fail(res, 404);
  }
  // A symlink inside the folder must not lead out of it.
  if (!real.startsWith(realRoot + sep)) return fail(res, 403);
  res.writeHead(200, {
    'Content-Type': contentTypeOf(real),
    'Content-Length': size,
    'Cache-Control': target.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  });
  if (req.method === 'HEAD') return res.end();
  const stream = createReadStream(real);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

const urlHost = (host: string) =>
  host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

/**
 * Serve the files of `root` over HTTP (GET and HEAD). Resolves once listening; rejects with the
 * listen error (`EADDRINUSE`, …).
 *
 * @example
 * ```ts
 * import { startStaticServer } from './playground.js'; // src/cli/playground.ts
 * const server = await startStaticServer({ root: 'dist/playground', port: 0 });
 * console.log(server.url); // http://127.0.0.1:40123/
 * await server.close();
 * ```
 */
export async function startStaticServer(options: StaticServerOptions): Promise<StaticServer> {
  const root = resolve(options.root);
  const realRoot = await realpath(root);
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    handle(root, realRoot, req, res).catch(() => {
      if (!res.headersSent) fail(res, 500);
      else res.destroy();
    });
  });
  await new Promise<void>((done, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PLAYGROUND_PORT, host, () => {
      server.off('error', reject);
      done();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${urlHost(host)}:${port}/`,
    port,
    server,
    close: () =>
      new Promise<void>((done, reject) => {
        server.close((error) => (error ? reject(error) : done()));
        server.closeAllConnections();
      }),
  };
}

/** Options of `leadflow playground` as commander gives them. */
export interface PlaygroundOptions {
  readonly port: number;
  readonly host: string;
  readonly open?: boolean;
}

/** What the command may be given instead of its defaults (tests). */
export interface PlaygroundEnv {
  /** The folder to serve. @default builtPlaygroundDir() */
  readonly root?: string;
  /** Stops the server; without it SIGINT (Ctrl-C) or SIGTERM does. */
  readonly signal?: AbortSignal;
}

function openBrowser(url: string, io: CliIo) {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  const note = (why: string) =>
    io.stderr.write(`leadflow playground: could not open a browser (${why}); open ${url} yourself\n`);
  try {
    const child = spawn(command, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', (error) => note(error.message));
    child.unref();
  } catch (error) {
    note((error as Error).message);
  }
}

/** Resolves when `signal` aborts, or at the first SIGINT/SIGTERM without one. */
function stopped(signal: AbortSignal | undefined): Promise<string> {
  if (signal !== undefined)
    return new Promise((done) => {
      if (signal.aborted) done('abort');
      else signal.addEventListener('abort', () => done('abort'), { once: true });
    });
  return new Promise((done) => {
    const on = (name: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      done(name);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/**
 * The `leadflow playground` command: serve the built playground, print its URL, optionally open
 * a browser, and keep serving until Ctrl-C/SIGTERM (or `env.signal`); then close the server and
 * its connections and resolve to exit code 0.
 *
 * @throws {InputError} when the folder is missing (naming it) or the port cannot be used.
 * @example
 * ```ts
 * import { playgroundCommand } from './playground.js'; // src/cli/playground.ts
 * const stop = new AbortController();
 * const done = playgroundCommand({ port: 0, host: '127.0.0.1' }, io, { signal: stop.signal });
 * // … io.stdout received "leadflow playground: http://127.0.0.1:40123/ …"
 * stop.abort();
 * await done; // 0
 * ```
 */
export async function playgroundCommand(
  options: PlaygroundOptions,
  io: CliIo,
  env: PlaygroundEnv = {},
): Promise<number> {
  const root = env.root ?? builtPlaygroundDir();
  const index = resolve(root, 'index.html');
  const found = await stat(index).then(
    (info) => info.isFile(),
    () => false,
  );
  if (!found)
    throw new InputError(
      `the built playground is missing: no ${index} (folder ${root}). ` +
        'In a checkout, run `npm run build` (it writes dist/playground) and use dist/cli/main.js, or `npm run playground` for the dev server.',
    );
  let server: StaticServer;
  try {
    server = await startStaticServer({ root, port: options.port, host: options.host });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const where = `${options.host}:${options.port}`;
    if (code === 'EADDRINUSE')
      throw new InputError(
        `port ${options.port} is in use on ${options.host}: choose another with --port (--port 0 picks a free one)`,
        { cause: error },
      );
    throw new InputError(`cannot listen on ${where}: ${(error as Error).message}`, { cause: error });
  }
  io.stdout.write(`leadflow playground: ${server.url}\n`);
  io.stdout.write(`  serving ${root}\n`);
  if (options.host !== '127.0.0.1' && options.host !== 'localhost' && options.host !== '::1')
    io.stdout.write(`  listening on ${options.host}: reachable from other machines on the network\n`);
  io.stdout.write('  press Ctrl-C to stop\n');
  if (options.open) openBrowser(server.url, io);
  const why = await stopped(env.signal);
  await server.close();
  // After ^C the cursor sits after the echoed "^C": start a fresh line for the shell prompt.
  io.stdout.write(`${why === 'SIGINT' && io.isTTY ? '\n' : ''}leadflow playground: stopped\n`);
  return 0;
}
