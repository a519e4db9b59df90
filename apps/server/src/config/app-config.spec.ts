import { ConfigError, loadConfig } from './load-config';
import { ServerSettings } from './server-settings';

describe('loadConfig', () => {
  it('gives the embedded defaults for an empty environment', () => {
    const sut = loadConfig({});
    expect(sut.PORT).toBe(8000);
    expect(sut.HOST).toBe('0.0.0.0');
    expect(sut.HOARD_METADATA).toBe('sqlite');
    expect(sut.HOARD_STORAGE).toBe('local');
    expect(sut.HOARD_METRICS).toBe(true);
    expect(sut.HOARD_RATE_LIMIT).toBe(0);
    expect(sut.dataDir).toMatch(/\/data$/);
  });

  it('converts numbers and booleans from strings', () => {
    const sut = loadConfig({ PORT: '9000', HOARD_METRICS: 'off', HOARD_MAX_BLOB_BYTES: '1048576' });
    expect(sut.PORT).toBe(9000);
    expect(sut.HOARD_METRICS).toBe(false);
    expect(sut.HOARD_MAX_BLOB_BYTES).toBe(1048576);
  });

  it('names every bad variable in one message', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'abc', HOARD_METRICS: 'maybe', HOARD_LOG_LEVEL: 'loud' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('PORT');
    expect(message).toContain('HOARD_METRICS');
    expect(message).toContain('HOARD_LOG_LEVEL');
  });

  it('requires the MongoDB and S3 settings only when they are selected', () => {
    expect(() => loadConfig({ HOARD_METADATA: 'mongodb' })).toThrow(/MONGODB_URI/);
    expect(() => loadConfig({ HOARD_STORAGE: 's3' })).toThrow(/S3_BUCKET/);
    expect(loadConfig({ HOARD_STORAGE: 's3', S3_BUCKET: 'hoard' }).S3_BUCKET).toBe('hoard');
  });

  it('refuses a short bootstrap key without echoing it', () => {
    expect(() => loadConfig({ HOARD_BOOTSTRAP_ADMIN_KEY: 'short-secret' })).toThrow(/HOARD_BOOTSTRAP_ADMIN_KEY/);
    try {
      loadConfig({ HOARD_BOOTSTRAP_ADMIN_KEY: 'short-secret' });
    } catch (err) {
      expect((err as Error).message).not.toContain('short-secret');
    }
  });

  it('takes a metrics key of 16 characters or more without echoing a short one, and a metrics port other than PORT', () => {
    expect(loadConfig({ HOARD_METRICS_KEY: 'metrics-key-0123456789', HOARD_METRICS_PORT: '9100' })).toMatchObject({
      HOARD_METRICS_KEY: 'metrics-key-0123456789',
      HOARD_METRICS_PORT: 9100,
    });
    expect(() => loadConfig({ HOARD_METRICS_KEY: 'tiny-secret' })).toThrow(/HOARD_METRICS_KEY must be at least 16 characters/);
    expect(() => loadConfig({ HOARD_METRICS_KEY: 'tiny-secret' })).not.toThrow(/tiny-secret/);
    expect(() => loadConfig({ PORT: '9100', HOARD_METRICS_PORT: '9100' })).toThrow(
      /HOARD_METRICS_PORT \(got "9100"\): must differ from PORT/,
    );
    expect(() => loadConfig({ HOARD_METRICS_PORT: '70000' })).toThrow(/HOARD_METRICS_PORT/);
  });

  it('refuses an S3 part size under 5 MiB', () => {
    expect(() => loadConfig({ S3_PART_SIZE: String(1024 * 1024) })).toThrow(/S3_PART_SIZE/);
  });

  it('takes cron schedules for the jobs, refusing an expression that does not parse with the variable named', () => {
    const sut = loadConfig({ HOARD_PRUNE_SCHEDULE: '0 3 * * *', HOARD_SCRUB_SCHEDULE: '*/30 * * * * *' });
    expect(ServerSettings.from(sut).jobSchedules).toEqual({ prune: '0 3 * * *', scrub: '*/30 * * * * *' });
    expect(ServerSettings.from(loadConfig({})).jobSchedules).toEqual({});
    expect(() => loadConfig({ HOARD_GC_SCHEDULE: '61 * * * *' })).toThrow(
      /HOARD_GC_SCHEDULE \(got "61 \* \* \* \*"\): HOARD_GC_SCHEDULE must be a cron expression .*out of range/,
    );
    expect(() => loadConfig({ HOARD_PRUNE_SCHEDULE: 'nightly' })).toThrow(/HOARD_PRUNE_SCHEDULE/);
  });

  it('takes the job lease, renewal and poll intervals in seconds, a renewal shorter than the lease', () => {
    expect(ServerSettings.from(loadConfig({}))).toMatchObject({ jobLeaseMs: 30_000, jobRenewMs: 10_000, jobPollMs: 5_000 });
    const quick = loadConfig({ HOARD_JOB_LEASE_SECONDS: '2', HOARD_JOB_RENEW_SECONDS: '0.5', HOARD_JOB_POLL_SECONDS: '0.25' });
    expect(ServerSettings.from(quick)).toMatchObject({ jobLeaseMs: 2000, jobRenewMs: 500, jobPollMs: 250 });
    expect(() => loadConfig({ HOARD_JOB_LEASE_SECONDS: '10', HOARD_JOB_RENEW_SECONDS: '10' })).toThrow(
      /HOARD_JOB_RENEW_SECONDS \(got "10"\): must be less than HOARD_JOB_LEASE_SECONDS \(10\)/,
    );
    expect(() => loadConfig({ HOARD_JOB_LEASE_SECONDS: '0.5' })).toThrow(/HOARD_JOB_LEASE_SECONDS/);
    expect(() => loadConfig({ HOARD_JOB_POLL_SECONDS: 'soon' })).toThrow(/HOARD_JOB_POLL_SECONDS/);
  });

  it('reads the default rate of scrubs: none unless set, a whole number of bytes per second, never negative', () => {
    expect(loadConfig({}).HOARD_SCRUB_MAX_BYTES_PER_SECOND).toBe(0);
    expect(loadConfig({ HOARD_SCRUB_MAX_BYTES_PER_SECOND: '1048576' }).HOARD_SCRUB_MAX_BYTES_PER_SECOND).toBe(1048576);
    expect(() => loadConfig({ HOARD_SCRUB_MAX_BYTES_PER_SECOND: '-1' })).toThrow(/HOARD_SCRUB_MAX_BYTES_PER_SECOND/);
    expect(() => loadConfig({ HOARD_SCRUB_MAX_BYTES_PER_SECOND: '1.5' })).toThrow(/HOARD_SCRUB_MAX_BYTES_PER_SECOND/);
  });

  it("reads GC's grace in whole seconds (0 allowed) and the live share under which it rewrites a pack (0 to 1)", () => {
    expect(ServerSettings.from(loadConfig({}))).toMatchObject({ gcGraceSeconds: 86_400, gcPackRewriteBelow: 0.5 });
    const set = loadConfig({ HOARD_GC_GRACE_SECONDS: '0', HOARD_GC_PACK_REWRITE_BELOW: '0.25' });
    expect(ServerSettings.from(set)).toMatchObject({ gcGraceSeconds: 0, gcPackRewriteBelow: 0.25 });
    for (const [name, value] of [
      ['HOARD_GC_GRACE_SECONDS', '-1'],
      ['HOARD_GC_GRACE_SECONDS', '1.5'],
      ['HOARD_GC_PACK_REWRITE_BELOW', '1.01'],
      ['HOARD_GC_PACK_REWRITE_BELOW', 'half'],
    ]) {
      expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
    }
  });
});
