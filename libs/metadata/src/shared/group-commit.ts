/**
 * Gathers the calls made in one turn of the event loop and hands them to `commit` together, once, on the next
 * turn: N concurrent single-row writes become one transaction (one WAL commit instead of N). A call resolves with
 * its own result once the shared commit is done; when the commit throws, every call of that group rejects with the
 * error, and nothing of the group was written (the commit is one transaction).
 */
export class GroupCommit<I, O> {
  private pending: Array<{ item: I; resolve: (value: O) => void; reject: (error: unknown) => void }> = [];

  /** @param commit writes every item in one transaction and returns one result per item, in order */
  constructor(private readonly commit: (items: I[]) => O[]) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      if (this.pending.push({ item, resolve, reject }) === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const group = this.pending;
    this.pending = [];
    let results: O[];
    try {
      results = this.commit(group.map((call) => call.item));
    } catch (error) {
      for (const call of group) call.reject(error);
      return;
    }
    group.forEach((call, i) => call.resolve(results[i]));
  }
}
