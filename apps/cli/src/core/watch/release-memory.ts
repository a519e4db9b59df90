import { trimHeap } from '@hoard/native';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let fullCollection: (() => void) | null | undefined;

/**
 * V8's full collection, as a running process can reach it: the `--expose-gc` flag, then `gc` from a context made
 * after it (null where that is refused).
 */
function collector(): (() => void) | null {
  if (fullCollection === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      fullCollection = runInNewContext('gc') as () => void;
    } catch {
      fullCollection = null;
    }
  }
  return fullCollection;
}

/**
 * Gives back what a scan's peak left resident, for a process that lives on idle afterwards (`hoard watch`): V8 keeps
 * the heap it grew, full of garbage, until it next runs short, and glibc keeps the C memory freed since (buffers,
 * arenas) mapped. A full collection, then the C heap's trim. On a first scan of 100,000 small files, the watch's
 * resident size once idle went from 257 to 197 MiB with the collection, and to 158 MiB with the trim; both take a
 * fraction of a second, once per quiet spell.
 */
export function releaseMemory(): void {
  const collect = collector();
  // Twice: V8 frees the memory of the buffers a collection found dead on a thread of its own, and the next
  // collection first waits for that; only then is it free for the trim.
  collect?.();
  collect?.();
  trimHeap?.();
}
