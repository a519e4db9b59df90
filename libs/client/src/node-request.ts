import * as http from 'node:http';
import * as https from 'node:https';

/** Keep-alive connection pools for plain and TLS servers. */
export class NodeAgents {
  private readonly plain: http.Agent;
  private readonly tls: https.Agent;

  constructor(connections: number) {
    this.plain = new http.Agent({ keepAlive: true, maxSockets: connections });
    this.tls = new https.Agent({ keepAlive: true, maxSockets: connections });
  }

  for(url: URL): http.Agent {
    return url.protocol === 'https:' ? this.tls : this.plain;
  }

  close(): void {
    this.plain.destroy();
    this.tls.destroy();
  }
}

/** Code of a connection that could not be made in time: nothing was sent. */
export const CONNECT_TIMEOUT = 'HOARD_CONNECT_TIMEOUT';
const CONNECT_TIMEOUT_MS = 10_000;
/** How long a connection may stay silent before the request fails. */
const IDLE_TIMEOUT_MS = 300_000;

/**
 * Starts `method url` on a pooled connection, with a connect timeout and an idle timeout (each fails the request
 * with an error). The caller writes the body, ends the request and listens for `response` and `error`.
 */
export function startRequest(url: URL, method: string, headers: http.OutgoingHttpHeaders, agents: NodeAgents): http.ClientRequest {
  const transport = url.protocol === 'https:' ? https : http;
  const req = transport.request(url, { method, headers, agent: agents.for(url) });
  req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(Object.assign(new Error('the server did not answer in time'), { code: 'ETIMEDOUT' })));
  req.on('socket', (socket) => {
    if (!socket.connecting) return;
    const timer = setTimeout(
      () => req.destroy(Object.assign(new Error(`no connection within ${CONNECT_TIMEOUT_MS / 1000} s`), { code: CONNECT_TIMEOUT })),
      CONNECT_TIMEOUT_MS,
    );
    const clear = () => clearTimeout(timer);
    socket.once('connect', clear);
    socket.once('close', clear);
  });
  return req;
}

/**
 * Resolves once `res` has been read to its end and its request is over, by which time a keep-alive connection is
 * back in its pool, so that the next request can take it; rejects when the answer was cut off.
 */
export function whenDone(req: http.ClientRequest, res: http.IncomingMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    const over = (): void =>
      res.complete ? resolve() : reject(Object.assign(new Error('the answer was cut off'), { code: 'ECONNRESET' }));
    res.once('error', reject);
    if (req.closed) over();
    else req.once('close', over);
  });
}

/** Reads a (small) response body as text. */
export async function readText(req: http.ClientRequest, res: http.IncomingMessage): Promise<string> {
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (text += chunk));
  await whenDone(req, res);
  return text;
}
