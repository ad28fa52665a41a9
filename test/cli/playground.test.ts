import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliIo, EXIT_CODES, runCli } from '../../src/cli/main.js';
import {
  builtPlaygroundDir,
  contentTypeOf,
  playgroundCommand,
  resolveStaticPath,
  type StaticServer,
  startStaticServer,
} from '../../src/cli/playground.js';

/**
 * A fake built app in `<tmp>/site`, with a secret beside it (`<tmp>/package.json`) that a
 * traversal would reach.
 */
const base = mkdtempSync(join(tmpdir(), 'leadflow-playground-'));
const site = join(base, 'site');
const SECRET = 'the-secret-next-to-the-site';
mkdirSync(join(site, 'assets'), { recursive: true });
writeFileSync(join(base, 'package.json'), JSON.stringify({ name: SECRET }));
writeFileSync(
  join(site, 'index.html'),
  '<!doctype html><title>fake playground</title><script type="module" src="./assets/index-abc123.js"></script>',
);
writeFileSync(join(site, 'assets', 'index-abc123.js'), 'console.log("app");');
const TYPED: Record<string, string> = {
  'style.css': 'text/css; charset=utf-8',
  'logo.svg': 'image/svg+xml',
  'icon.png': 'image/png',
  'data.json': 'application/json; charset=utf-8',
  'engine.wasm': 'application/wasm',
  'font.woff2': 'font/woff2',
  'blob.bin': 'application/octet-stream',
};
for (const name of Object.keys(TYPED)) writeFileSync(join(site, 'assets', name), `content of ${name}`);
symlinkSync(join(base, 'package.json'), join(site, 'linked.json'));

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with the target sent exactly as written (fetch would normalise `..` away). */
function raw(port: number, path: string, method = 'GET'): Promise<RawResponse> {
  return new Promise((done, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('resolveStaticPath', () => {
  it('maps / and paths ending in / to index.html, drops the query, marks /assets/ immutable', () => {
    expect(resolveStaticPath('/srv/app', '/')).toEqual({
      kind: 'file',
      path: join('/srv/app', 'index.html'),
      immutable: false,
    });
    expect(resolveStaticPath('/srv/app', '/assets/a.js?v=1#x')).toEqual({
      kind: 'file',
      path: join('/srv/app', 'assets', 'a.js'),
      immutable: true,
    });
    expect(resolveStaticPath('/srv/app', '/%E8%A7%84%E5%88%99.json')).toMatchObject({
      kind: 'file',
      path: join('/srv/app', '规则.json'),
    });
  });

  it.each([
    '/../package.json',
    '/%2e%2e/package.json',
    '/%2E%2E/package.json',
    '/assets/..%2f..%2fpackage.json',
    '/..%5cpackage.json',
    '/assets/../../package.json',
  ])('refuses the traversal %s with 403', (target) => {
    expect(resolveStaticPath('/srv/app', target)).toEqual({ kind: 'refused', status: 403 });
  });

  it.each(['/%E0%A4%A', '/a%00.js', 'package.json'])('refuses the malformed target %s with 400', (target) => {
    expect(resolveStaticPath('/srv/app', target)).toEqual({ kind: 'refused', status: 400 });
  });

  it('keeps an absolute path inside the folder (//etc/passwd is <root>/etc/passwd)', () => {
    expect(resolveStaticPath('/srv/app', '//etc/passwd')).toMatchObject({
      kind: 'file',
      path: join('/srv/app', 'etc', 'passwd'),
    });
  });

  it('knows the content types of a built app', () => {
    expect(contentTypeOf('index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeOf('assets/index-abc.JS')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeOf('x.woff2')).toBe('font/woff2');
  });
});

describe('startStaticServer on a free port', () => {
  let server: StaticServer;
  beforeAll(async () => {
    server = await startStaticServer({ root: site, port: 0 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('prints a loopback URL with the port it picked', () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
  });

  it('serves index.html for / (revalidated) and an asset (cached as immutable)', async () => {
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(await page.text()).toContain('<title>fake playground</title>');
    const asset = await fetch(new URL('./assets/index-abc123.js', server.url));
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await asset.text()).toBe('console.log("app");');
  });

  it.each(Object.entries(TYPED))('serves assets/%s as %s', async (name, type) => {
    const res = await fetch(new URL(`./assets/${name}`, server.url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    expect(await res.text()).toBe(`content of ${name}`);
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await raw(server.port, '/', 'HEAD');
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe(
      String(Buffer.byteLength(await (await fetch(server.url)).text())),
    );
    expect(res.body).toBe('');
  });

  it('is 404 for a missing file and for a folder (no fallback page)', async () => {
    for (const path of ['/missing.js', '/assets', '/index.html/x', '/src/main.tsx']) {
      const res = await raw(server.port, path);
      expect(res.status, path).toBe(404);
      expect(res.body).not.toContain('fake playground');
    }
  });

  it.each([
    '/../package.json',
    '/%2e%2e/package.json',
    '/assets/..%2f..%2fpackage.json',
    '/assets/%2e%2e/%2e%2e/package.json',
    '/..%5cpackage.json',
    '/linked.json', // a symlink inside the folder to the file outside
  ])('never leaks the file beside the folder: %s', async (path) => {
    const res = await raw(server.port, path);
    expect([403, 404]).toContain(res.status);
    expect(res.body).not.toContain(SECRET);
  });

  it('sends 403 for the .. segments and 405 for other methods', async () => {
    expect((await raw(server.port, '/../package.json')).status).toBe(403);
    expect((await raw(server.port, '/%2e%2e/package.json')).status).toBe(403);
    const post = await raw(server.port, '/', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });
});

function collector(signal?: AbortSignal) {
  const out = { stdout: '', stderr: '' };
  const io: CliIo = {
    stdout: { write: (s: string) => (out.stdout += s) },
    stderr: { write: (s: string) => (out.stderr += s) },
    isTTY: false,
    ...(signal ? { signal } : {}),
  };
  return { io, out };
}

async function until(check: () => boolean) {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((done) => setTimeout(done, 10));
  expect(check()).toBe(true);
}

describe('leadflow playground', () => {
  it('serves the folder, prints its URL, and closes when stopped (exit 0)', async () => {
    const stop = new AbortController();
    const { io, out } = collector();
    const done = playgroundCommand({ port: 0, host: '127.0.0.1' }, io, { root: site, signal: stop.signal });
    await until(() => /http:\/\/127\.0\.0\.1:\d+\//.test(out.stdout));
    const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(out.stdout)![0];
    expect(out.stdout).toContain(`serving ${site}`);
    expect(await (await fetch(url)).text()).toContain('fake playground');
    stop.abort();
    expect(await done).toBe(0);
    expect(out.stdout).toMatch(/stopped\n$/);
    await expect(fetch(url)).rejects.toThrow();
  });

  it('without a built app (run from source) exits 2 naming the missing folder', async () => {
    const stop = new AbortController();
    const { io, out } = collector(stop.signal);
    const code = await runCli(['playground', '--port', '0'], io);
    expect(code).toBe(EXIT_CODES.badInput);
    expect(builtPlaygroundDir()).toBe(join(process.cwd(), 'src', 'playground'));
    expect(out.stderr).toContain(`leadflow playground: the built playground is missing`);
    expect(out.stderr).toContain(join(builtPlaygroundDir(), 'index.html'));
    expect(out.stderr).toContain('npm run build');
  });

  it('refuses a port out of range and a port in use (exit 2)', async () => {
    const bad = collector();
    expect(await runCli(['playground', '--port', '70000'], bad.io)).toBe(EXIT_CODES.badInput);
    expect(bad.out.stderr).toMatch(/--port must be an integer from 0 to 65535/);
    const taken = await startStaticServer({ root: site, port: 0 });
    try {
      const { io } = collector();
      await expect(
        playgroundCommand({ port: taken.port, host: '127.0.0.1' }, io, {
          root: site,
          signal: new AbortController().signal,
        }),
      ).rejects.toThrow(`port ${taken.port} is in use`);
    } finally {
      await taken.close();
    }
  });
});
