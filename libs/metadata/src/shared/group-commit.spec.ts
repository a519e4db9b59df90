import { GroupCommit } from './group-commit';

describe('GroupCommit', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('commits the calls of one turn together, once, and gives each call its own result', async () => {
    const commits: number[][] = [];
    const sut = new GroupCommit<number, string>((items) => {
      commits.push(items);
      return items.map((n) => `r${n}`);
    });

    const results = Promise.all([sut.add(1), sut.add(2), sut.add(3)]);
    expect(commits).toEqual([]);
    jest.runAllTimers();

    await expect(results).resolves.toEqual(['r1', 'r2', 'r3']);
    expect(commits).toEqual([[1, 2, 3]]);
  });

  it('starts a new group for calls made after a commit', async () => {
    const commits: number[][] = [];
    const sut = new GroupCommit<number, number>((items) => {
      commits.push(items);
      return items;
    });

    const first = sut.add(1);
    jest.runAllTimers();
    await first;
    const second = Promise.all([sut.add(2), sut.add(3)]);
    jest.runAllTimers();

    await expect(second).resolves.toEqual([2, 3]);
    expect(commits).toEqual([[1], [2, 3]]);
  });

  it('rejects every call of a group whose commit throws, and commits the next group', async () => {
    let fail = true;
    const sut = new GroupCommit<number, number>((items) => {
      if (fail) throw new Error('database is locked');
      return items;
    });

    const failed = [sut.add(1), sut.add(2)];
    jest.runAllTimers();
    await expect(failed[0]).rejects.toThrow('database is locked');
    await expect(failed[1]).rejects.toThrow('database is locked');

    fail = false;
    const next = sut.add(3);
    jest.runAllTimers();
    await expect(next).resolves.toBe(3);
  });
});
