import { scopeAllows } from './route-access';

describe('scopeAllows', () => {
  it('lets admin do everything', () => {
    for (const required of ['read', 'write', 'admin', 'any', 'public'] as const) expect(scopeAllows(['admin'], required)).toBe(true);
  });

  it('lets write read and write but not administer', () => {
    expect(scopeAllows(['write'], 'read')).toBe(true);
    expect(scopeAllows(['write'], 'write')).toBe(true);
    expect(scopeAllows(['write'], 'admin')).toBe(false);
  });

  it('lets read only read', () => {
    expect(scopeAllows(['read'], 'read')).toBe(true);
    expect(scopeAllows(['read'], 'write')).toBe(false);
    expect(scopeAllows(['read'], 'admin')).toBe(false);
    expect(scopeAllows(['read'], 'any')).toBe(true);
  });
});
