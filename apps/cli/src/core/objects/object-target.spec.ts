import { durationSeconds, keyValue } from '../../commands/option-parsers';
import { parseBucket, parseObjectTarget } from './object-target';

describe('object arguments', () => {
  it('splits <bucket>/<key> at the first slash, checking both as the server does', () => {
    expect(parseObjectTarget('backups/user-1/db.sqlite')).toEqual({ bucket: 'backups', key: 'user-1/db.sqlite' });
    expect(parseObjectTarget('jobs/é x')).toEqual({ bucket: 'jobs', key: 'é x' });
    for (const bad of ['nobucket', 'Bad/k', 'b/', 'b/a/../c', 'b//k', '/k']) expect(() => parseObjectTarget(bad)).toThrow(/bucket|key/);
    expect(parseBucket('jobs')).toBe('jobs');
    expect(() => parseBucket('Jobs')).toThrow(/bucket/);
  });

  it('reads durations in seconds, with or without a unit', () => {
    expect(['3600', '90s', '15m', '2h', '7d', '2W'].map(durationSeconds)).toEqual([3600, 90, 900, 7200, 604_800, 1_209_600]);
    for (const bad of ['0', '-1', '1.5h', 'soon', '', '10y']) expect(() => durationSeconds(bad)).toThrow(/duration/);
  });

  it('collects name=value pairs, names in lower case, values as given', () => {
    expect(keyValue('Owner=ops team', keyValue('run=7', undefined))).toEqual({ run: '7', owner: 'ops team' });
    expect(keyValue('expr=a=b', undefined)).toEqual({ expr: 'a=b' });
    expect(() => keyValue('=x', undefined)).toThrow(/name=value/);
    expect(() => keyValue('novalue', undefined)).toThrow(/name=value/);
  });
});
