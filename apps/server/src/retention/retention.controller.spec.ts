import { AppFixture, appFixture } from '../testing/app-fixture';

describe('RetentionController (in process)', () => {
  let f: AppFixture;
  beforeEach(async () => (f = await appFixture()));
  afterEach(() => f.close());

  const put = (payload: unknown, key?: string | null) =>
    f.request({ method: 'PUT', url: '/api/v1/retention', payload: payload as object }, key);
  const get = () => f.request({ method: 'GET', url: '/api/v1/retention' });
  const error = (res: { statusCode: number; json(): any }) => [res.statusCode, res.json().error.code, res.json().error.details];
  const SET = [
    { hostname: '*', path_prefix: '', keep_last: 10, keep_deleted_days: 30 },
    { hostname: 'web-1', path_prefix: '/var/log', keep_within_days: 7 },
    { hostname: 'db-1' },
  ];

  it('has no rules at first; replaces every rule, filling what a rule left out', async () => {
    expect([(await get()).statusCode, (await get()).json()]).toEqual([200, { rules: [] }]);
    const full = {
      rules: [
        { hostname: '*', path_prefix: '', keep_last: 10, keep_within_days: null, keep_deleted_days: 30 },
        { hostname: 'web-1', path_prefix: '/var/log', keep_last: null, keep_within_days: 7, keep_deleted_days: null },
        { hostname: 'db-1', path_prefix: '', keep_last: null, keep_within_days: null, keep_deleted_days: null },
      ],
    };
    const res = await put({ rules: SET });
    expect([res.statusCode, res.json()]).toEqual([200, full]);
    expect((await get()).json()).toEqual(full);
    expect((await put({ rules: [] })).json()).toEqual({ rules: [] });
    expect((await get()).json()).toEqual({ rules: [] });
  });

  it('refuses bad rules naming each by its index, and changes nothing', async () => {
    await put({ rules: SET });
    const before = (await get()).json();
    expect(error(await put({ rules: [{ hostname: '*' }, { hostname: 'h', keep_last: -1 }] }))).toEqual([
      400,
      'validation_failed',
      { fields: [{ field: 'rules.1.keep_last', errors: ['rules.1.keep_last must be at least 0'] }] },
    ]);
    expect(error(await put({ rules: [{ hostname: 'h', keep_lst: 3 }] }))).toEqual([
      400,
      'validation_failed',
      { fields: [{ field: 'rules.0.keep_lst', errors: ['rules.0.keep_lst is not a known field'] }] },
    ]);
    expect(error(await put({ rules: [{ path_prefix: '/x' }] }))[2]).toEqual({
      fields: [{ field: 'rules.0.hostname', errors: ['rules.0.hostname is required'] }],
    });
    expect(error(await put({ rules: [{ hostname: 'h', keep_within_days: 1.5 }] }))[2]).toEqual({
      fields: [{ field: 'rules.0.keep_within_days', errors: ['rules.0.keep_within_days must be an integer or null'] }],
    });
    expect(error(await put({ rules: Array.from({ length: 10_000 }, () => ({ hostname: '*' })) }))[2]).toEqual({
      fields: [{ field: 'rules', errors: ['rules must have at most 1000 items'] }],
    });
    expect(
      error(await put({ rules: [{ hostname: 'h', path_prefix: '/a' }, { hostname: '*' }, { hostname: 'h', path_prefix: '/a' }] })),
    ).toEqual([
      400,
      'validation_failed',
      { fields: [{ field: 'rules.2', errors: ['rules.2 covers the same hostname and path_prefix as rules.0'] }] },
    ]);
    expect(error(await put({}))[0]).toBe(400);
    expect((await get()).json()).toEqual(before);
  });

  it('is for admin keys only', async () => {
    const writer = await f.key('write');
    expect((await put({ rules: [] }, writer)).statusCode).toBe(403);
    expect((await f.request({ method: 'GET', url: '/api/v1/retention' }, writer)).statusCode).toBe(403);
    expect((await put({ rules: [] }, null)).statusCode).toBe(401);
  });
});
