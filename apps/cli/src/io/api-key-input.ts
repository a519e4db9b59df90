import { readFileSync } from 'node:fs';
import { HoardError } from '@app/contracts';

/**
 * The API key `hoard login` saves, from (first found) `--api-key-file` (`-` for standard input), `--api-key`, a prompt
 * that does not show what is typed (on a terminal), or the first line of standard input (a pipe). Never echoed.
 */
export async function readApiKey(flags: { apiKey?: string; apiKeyFile?: string }): Promise<string> {
  let key: string;
  if (flags.apiKeyFile !== undefined) {
    key = flags.apiKeyFile === '-' ? await readStdin() : readKeyFile(flags.apiKeyFile);
  } else if (flags.apiKey !== undefined) {
    key = flags.apiKey;
  } else if (process.stdin.isTTY) {
    const { read } = require('read') as typeof import('read');
    key = await read({ prompt: 'API key: ', silent: true, replace: '', output: process.stderr }).catch((err: Error) => {
      throw new HoardError('invalid_request', err.message === 'canceled' ? 'login cancelled' : `cannot read the key: ${err.message}`);
    });
  } else {
    key = await readStdin();
  }
  key = key.split(/\r?\n/)[0].trim();
  if (key === '') throw new HoardError('invalid_request', 'no API key was given: type it at the prompt, pipe it in or pass --api-key-file');
  return key;
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new HoardError(
      'invalid_request',
      `cannot read the key file ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
}

async function readStdin(): Promise<string> {
  let text = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) {
    text += chunk as string;
    if (text.includes('\n') || text.length > 64 * 1024) break;
  }
  return text;
}
