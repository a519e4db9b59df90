/** How {@link runInOrder} runs. */
export interface OrderedPoolOptions {
  /** Items worked on at once. */
  concurrency: number;
  /** Once aborted, no new item is started; the call waits for those under way, then throws the signal's reason. */
  signal: AbortSignal;
}

type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Works on the items of `items` up to `concurrency` at once, and hands each result to `fold` in the items' order,
 * one at a time: whatever `fold` has seen is a prefix of the items, so a resumption point taken in it never skips
 * an item that was still under way. Items are pulled from `items` only as places free up (memory stays bounded).
 * The first failure (of `work`, `fold` or `items`) stops the pool: the items under way are waited for (nothing
 * started outlives the call) and the failure is thrown.
 */
export async function runInOrder<T, R>(
  items: AsyncIterable<T>,
  options: OrderedPoolOptions,
  work: (item: T) => Promise<R>,
  fold: (item: T, result: R) => Promise<void>,
): Promise<void> {
  const { signal } = options;
  const pending: Array<{ item: T; settled: Promise<Settled<R>> }> = [];
  const foldHead = async () => {
    const head = pending.shift()!;
    const result = await head.settled;
    if (!result.ok) throw result.error;
    await fold(head.item, result.value);
  };
  let stopped = false;
  try {
    for await (const item of items) {
      if ((stopped = signal.aborted)) break;
      const settled = work(item).then(
        (value): Settled<R> => ({ ok: true, value }),
        (error: unknown): Settled<R> => ({ ok: false, error }),
      );
      pending.push({ item, settled });
      while (pending.length >= options.concurrency) await foldHead();
    }
    while (pending.length > 0 && !(stopped = signal.aborted)) await foldHead();
  } finally {
    await Promise.all(pending.map((p) => p.settled));
  }
  if (stopped) throw signal.reason;
}
