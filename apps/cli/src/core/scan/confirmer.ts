import { BoundedRunner } from '../concurrency/bounded-runner';
import { ConfirmBatch, RecordSource } from './confirm-batch';
import { PendingRecord } from './scan-context';
import { ScanRecorder } from './scan-recorder';

/**
 * Files known to the server by record id are only confirmed (POST /api/v1/files/seen), not recorded again: a full
 * batch at a time, two requests at once at most.
 */
export class Confirmer {
  private batch = new ConfirmBatch();
  private readonly running = new BoundedRunner(2);

  constructor(
    private readonly recorder: ScanRecorder,
    private readonly batchSize: number,
  ) {}

  /** Adds file `at` of `source`; true when the batch is full and should be flushed. */
  addKnown(id: string, size: number, source: RecordSource, at: number): boolean {
    this.batch.addKnown(id, size, source, at);
    return this.batch.length >= this.batchSize;
  }

  /** Adds a record made already (its `recordId` set), sending the batch once it is full. */
  async add(item: PendingRecord): Promise<void> {
    this.batch.add(item);
    if (this.batch.length >= this.batchSize) await this.flush();
  }

  /** Sends the batch being filled, waiting while two requests are in flight. */
  async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = new ConfirmBatch();
    await this.running.run(() => this.recorder.confirm(batch));
  }

  /** Sends what is left and waits for every answer. */
  async drain(): Promise<void> {
    await this.flush();
    await this.running.drain();
  }
}
