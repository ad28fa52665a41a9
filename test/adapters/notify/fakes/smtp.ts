/**
 * A real SMTP server on loopback (the `smtp-server` package): receives messages (kept with
 * their envelope and parsed headers), can answer chosen recipients with a 4yz or 5yz reply, fail
 * the next `DATA`, require a login, or hang (for the stall check: from then on no command is
 * answered).
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  /** Lowercase header name → unfolded value (encoded words decoded). */
  headers: Map<string, string>;
  messageId: string | undefined;
  subject: string | undefined;
  /** The raw message. */
  raw: string;
}

export interface SmtpFakeOptions {
  /** Require AUTH with these credentials. */
  auth?: { user: string; pass: string };
}

export interface SmtpFake {
  host: '127.0.0.1';
  port: number;
  /** Messages accepted after DATA. */
  readonly messages: ReceivedMail[];
  /** Accepted messages. */
  deliveries(): number;
  /** Every RCPT TO with the reply code given. */
  readonly rcpts: { address: string; code: number }[];
  /** Answer `RCPT TO:<address>` with `code` (451, 550, …) until `allowRecipient`. */
  rejectRecipient(address: string, code: number, message?: string): void;
  allowRecipient(address: string): void;
  /** Answer the next `DATA`s with these codes (after reading the message; it is not kept). */
  failData(...replies: { code: number; message?: string }[]): void;
  /** From now on, never answer RCPT TO (a hung server). */
  stall(): void;
  /** Client connections open right now. */
  openConnections(): number;
  close(): Promise<void>;
}

function decodeWords(value: string): string {
  return value
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_all, _charset: string, kind: string, text: string) => {
      if (kind.toUpperCase() === 'B') return Buffer.from(text, 'base64').toString('utf8');
      const bytes = text
        .replace(/_/g, ' ')
        .replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
      return Buffer.from(bytes, 'latin1').toString('utf8');
    })
    .replace(/\?=\s+=\?/g, '');
}

function parseHeaders(raw: string): Map<string, string> {
  const end = raw.indexOf('\r\n\r\n');
  const block = (end < 0 ? raw : raw.slice(0, end)).replace(/\r\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) {
      const name = line.slice(0, colon).trim().toLowerCase();
      // Adjacent encoded words are joined without the space between them (RFC 2047 §6.2).
      const value = line
        .slice(colon + 1)
        .trim()
        .replace(/\?=\s+=\?/g, '?==?');
      headers.set(name, decodeWords(value));
    }
  }
  return headers;
}

export async function startSmtpFake(options: SmtpFakeOptions = {}): Promise<SmtpFake> {
  const messages: ReceivedMail[] = [];
  const rcpts: { address: string; code: number }[] = [];
  const rejected = new Map<string, { code: number; message: string }>();
  const dataReplies: { code: number; message?: string }[] = [];
  let stalled = false;

  const smtpError = (code: number, message: string) =>
    Object.assign(new Error(message), { responseCode: code });

  const server = new SMTPServer({
    logger: false,
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    closeTimeout: 50,
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) {
        callback(null, { user: auth.username });
      } else {
        callback(smtpError(535, '5.7.8 Authentication credentials invalid'));
      }
    },
    onRcptTo(address, _session, callback) {
      if (stalled) return;
      const rule = rejected.get(address.address.toLowerCase());
      rcpts.push({ address: address.address, code: rule?.code ?? 250 });
      callback(rule ? smtpError(rule.code, rule.message) : null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (stalled) return;
        const reply = dataReplies.shift();
        if (reply) {
          callback(smtpError(reply.code, reply.message ?? `${reply.code} refused by the fake`));
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const headers = parseHeaders(raw);
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          headers,
          messageId: headers.get('message-id'),
          subject: headers.get('subject'),
          raw,
        });
        callback(null);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;

  return {
    host: '127.0.0.1',
    port,
    messages,
    rcpts,
    deliveries: () => messages.length,
    rejectRecipient: (address, code, message) =>
      rejected.set(address.toLowerCase(), { code, message: message ?? `${code} mailbox unavailable` }),
    allowRecipient: (address) => rejected.delete(address.toLowerCase()),
    failData: (...replies) => dataReplies.push(...replies),
    stall: () => {
      stalled = true;
    },
    openConnections: () => server.connections.size,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
