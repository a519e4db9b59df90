import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { request } from 'undici';

/** One answer as the document sees it: the request that got it, its status, headers and body. */
export interface Exchange {
  method: string;
  /** The path as sent, with or without a query string. */
  path: string;
  status: number;
  contentType: string;
  body: Buffer;
}

interface Operation {
  pattern: RegExp;
  parameters?: Array<{ name: string; in: string; schema?: Record<string, unknown> }>;
  responses: Record<string, { content?: Record<string, { schema?: object }> }>;
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addKeyword({ keyword: 'x-error', schemaType: 'string' });

const documents = new Map<string, Promise<Map<string, Operation[]>>>();
const validators = new WeakMap<object, ValidateFunction>();

/** A parameter in a pattern: one segment, or the rest of the path. */
const PARAM = /\[\^\/\]\+|\.\+/;

async function load(baseUrl: string): Promise<Map<string, Operation[]>> {
  const res = await request(`${baseUrl}/openapi.json`);
  if (res.statusCode !== 200) throw new Error(`GET ${baseUrl}/openapi.json answered ${res.statusCode}`);
  const doc = (await res.body.json()) as {
    paths: Record<string, Record<string, { responses: Operation['responses']; parameters?: Operation['parameters'] }>>;
  };
  const byMethod = new Map<string, Operation[]>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      // A parameter marked x-rest-of-path (an object's key) spans segments; every other one is one segment.
      const rest = new Set((op.parameters ?? []).filter((p) => p.in === 'path' && p.schema?.['x-rest-of-path']).map((p) => p.name));
      const escaped = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      const pattern = new RegExp(`^${escaped.replace(/\{([^}]+)\}/g, (_m, name: string) => (rest.has(name) ? '.+' : '[^/]+'))}$`);
      const list = byMethod.get(method.toUpperCase()) ?? [];
      list.push({ pattern, responses: op.responses, parameters: op.parameters });
      byMethod.set(method.toUpperCase(), list);
    }
  }
  // Literal paths first: /api/v1/files/history is not /api/v1/files/{id}.
  for (const list of byMethod.values()) list.sort((a, b) => a.pattern.source.split(PARAM).length - b.pattern.source.split(PARAM).length);
  return byMethod;
}

/** Reads a server's document now, while it answers, for the checks of later answers. */
export async function loadDocument(baseUrl: string): Promise<void> {
  const loading = load(baseUrl);
  documents.set(baseUrl, loading);
  try {
    await loading;
  } catch (err) {
    documents.delete(baseUrl);
    throw err;
  }
}

/**
 * Checks an answer against the server's own /openapi.json: its status is documented for the operation, its media
 * type is one the document lists for that status, and a JSON body matches the documented schema. A request that
 * matches no documented operation (an unknown route, an undocumented method) has nothing to check.
 * @returns the problems found; empty when the answer is as documented
 */
export async function checkAgainstDocument(baseUrl: string, exchange: Exchange): Promise<string[]> {
  if (!documents.has(baseUrl)) documents.set(baseUrl, load(baseUrl));
  const operations = (await documents.get(baseUrl)!).get(exchange.method.toUpperCase()) ?? [];
  let path = exchange.path.split('?')[0];
  try {
    path = decodeURIComponent(path);
  } catch {
    return [];
  }
  const op = operations.find((o) => o.pattern.test(path));
  if (!op) return [];
  const where = `${exchange.method} ${exchange.path.slice(0, 120)} -> ${exchange.status}`;
  const response = op.responses[String(exchange.status)];
  if (!response) return [`${where}: status not documented (documented: ${Object.keys(op.responses).join(', ')})`];
  if (exchange.body.length === 0 || exchange.method.toUpperCase() === 'HEAD') return [];
  const media = exchange.contentType.split(';')[0].trim().toLowerCase();
  const content = response.content ?? {};
  const entry = content[media] ?? (media.startsWith('text/') ? content['text/plain'] : undefined) ?? content['*/*'];
  if (!entry)
    return [`${where}: content type ${media || '(none)'} not documented (documented: ${Object.keys(content).join(', ') || 'no body'})`];
  if (media !== 'application/json' || !entry.schema || !content['application/json']) return [];
  let validate = validators.get(entry.schema);
  if (!validate) {
    validate = ajv.compile(entry.schema);
    validators.set(entry.schema, validate);
  }
  const body: unknown = JSON.parse(exchange.body.toString('utf8'));
  if (validate(body)) return [];
  return [
    `${where}: body does not match the documented schema: ${ajv.errorsText(validate.errors)} in ${exchange.body.toString('utf8').slice(0, 300)}`,
  ];
}
