import { connect, Socket } from 'node:net';

/** An answer read off a raw socket. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Bytes of the whole answer, status line and headers included. */
  size: number;
}

/** Parses the first HTTP/1.1 answer in `text`. */
export function parseAnswer(text: string): RawAnswer {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) throw new Error(`no complete answer in ${JSON.stringify(text.slice(0, 200))}`);
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? text.length - end - 4);
  return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(end + 4, end + 4 + length), size: Buffer.byteLength(text) };
}

/**
 * Sends raw bytes (a request as written) and parses what the server answered. Writes the server refuses once it has
 * answered (it stops reading) are not an error: the answer is what counts.
 */
export async function rawRequest(port: number, chunks: Array<string | Buffer>, timeoutMs = 10_000): Promise<RawAnswer> {
  const held = await holdRequest(port, chunks);
  const timer = setTimeout(() => held.socket.destroy(), timeoutMs);
  await held.closed;
  clearTimeout(timer);
  return parseAnswer(held.received());
}

/** A request whose body the test sends when it chooses: the socket stays open until `end` or `destroy`. */
export interface HeldRequest {
  socket: Socket;
  /** Everything the server has answered so far. */
  received(): string;
  /** Resolves when the server has closed the connection. */
  closed: Promise<void>;
}

/** Opens a connection and writes these bytes, keeping the connection open. */
export async function holdRequest(port: number, chunks: Array<string | Buffer>): Promise<HeldRequest> {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  for (const chunk of chunks) socket.write(chunk, () => undefined);
  return { socket, received: () => text, closed };
}

/** Waits until `condition` holds, polling every 20 ms, for at most `ms`. */
export async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The request line and headers of a request with a body. */
export function head(method: string, path: string, headers: Record<string, string | number>): string {
  return `${method} ${path} HTTP/1.1\r\nHost: x\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
}
