import { HoardError } from '@app/contracts';
import { FakeHoardClient } from '../../testing/fake-hoard-client';
import { resolveDigest } from './digest-prefix';

describe('resolveDigest', () => {
  const one = `abcdef01${'1'.repeat(56)}`;
  const two = `abcdef01${'2'.repeat(56)}`;
  const other = `12345678${'3'.repeat(56)}`;
  let client: FakeHoardClient;
  const record = (hostname: string, filepath: string, sha256: string) => client.recordBatch([{ hostname, filepath, sha256, size: 1 }]);
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: HoardError) => e,
    );
  const queries = () => client.calls.filter((c) => c.route === 'iterateFiles').map((c) => c.arg);

  beforeEach(async () => {
    client = new FakeHoardClient();
    await record('here', '/a', one);
    await record('there', '/b', two);
    await record('there', '/c', other);
    await client.markDeleted('there', ['/c']);
    client.calls.length = 0;
  });

  it('takes 64 hexadecimal characters as they are, in either case, asking nothing', async () => {
    expect(await resolveDigest(client, ` ${other.toUpperCase()} `, 'here')).toBe(other);
    expect(client.calls).toEqual([]);
  });

  it("looks among this host's records first, deleted ones included, and stops there when it finds the prefix", async () => {
    expect(await resolveDigest(client, 'ABCDEF01', 'here')).toBe(one);
    expect(queries()).toEqual([{ hostname: 'here', include_deleted: true }]);
  });

  it("widens to every host's records when none of this host's has the prefix", async () => {
    expect(await resolveDigest(client, '12345678', 'here')).toBe(other);
    expect(await resolveDigest(client, 'abcdef01', 'nobody').catch((e: HoardError) => e.details)).toEqual({ candidates: [one, two] });
    expect(queries()).toEqual([
      { hostname: 'here', include_deleted: true },
      { include_deleted: true },
      { hostname: 'nobody', include_deleted: true },
      { include_deleted: true },
    ]);
  });

  it('names the candidates of an ambiguous prefix, and says when no record has it', async () => {
    await record('here', '/d', two);
    const ambiguous = await failure(resolveDigest(client, 'abcdef01', 'here'));
    expect([ambiguous?.code, ambiguous?.message]).toEqual([
      'invalid_request',
      `the digest prefix abcdef01 is ambiguous; it starts 2 digests:\n  ${one}\n  ${two}`,
    ]);
    const none = await failure(resolveDigest(client, 'ffffffff', 'here'));
    expect([none?.code, none?.message]).toEqual(['not_found', 'no recorded content has a digest starting with ffffffff']);
  });

  it('refuses what is not a digest or a prefix of 8 or more, asking nothing', async () => {
    for (const input of ['abcdef0', 'abcdefgh', `${one}0`])
      expect((await failure(resolveDigest(client, input, 'here')))?.code).toBe('invalid_digest');
    expect(client.calls).toEqual([]);
  });
});
