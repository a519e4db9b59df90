import type { PackCommit, PackEntry, PackIndex, PackInfo } from './pack-index';

/** An in-memory {@link PackIndex} for unit specs. */
export class MemoryPackIndex implements PackIndex {
  private readonly entries = new Map<string, PackEntry>();
  private readonly packList = new Map<string, { id: string; size: number; sealed: boolean }>();

  async init(): Promise<void> {}

  async commit(batch: PackCommit): Promise<void> {
    for (const pack of batch.packs) this.packList.set(pack.id, { ...pack });
    for (const entry of batch.entries) if (!this.entries.has(entry.sha256)) this.entries.set(entry.sha256, { ...entry });
    for (const { from, ...entry } of batch.moves ?? []) {
      if (this.entries.get(entry.sha256)?.packId === from) this.entries.set(entry.sha256, entry);
    }
  }

  async lookup(sha256: string): Promise<PackEntry | null> {
    const entry = this.entries.get(sha256);
    return entry ? { ...entry } : null;
  }

  async lookupMany(sha256s: string[]): Promise<Map<string, PackEntry>> {
    const found = new Map<string, PackEntry>();
    for (const sha of sha256s) {
      const entry = this.entries.get(sha);
      if (entry) found.set(sha, { ...entry });
    }
    return found;
  }

  async remove(sha256: string): Promise<boolean> {
    return this.entries.delete(sha256);
  }

  async list(after: string, limit: number): Promise<PackEntry[]> {
    return [...this.entries.values()]
      .filter((e) => e.sha256 > after)
      .sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1))
      .slice(0, limit)
      .map((e) => ({ ...e }));
  }

  async packs(): Promise<PackInfo[]> {
    return [...this.packList.values()]
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((pack) => {
        const live = [...this.entries.values()].filter((e) => e.packId === pack.id);
        return { ...pack, entries: live.length, liveBytes: live.reduce((n, e) => n + e.length, 0) };
      });
  }

  async entriesOf(packId: string): Promise<PackEntry[]> {
    return [...this.entries.values()]
      .filter((e) => e.packId === packId)
      .sort((a, b) => a.offset - b.offset)
      .map((e) => ({ ...e }));
  }

  async dropPack(packId: string): Promise<void> {
    this.packList.delete(packId);
    for (const [sha, entry] of this.entries) if (entry.packId === packId) this.entries.delete(sha);
  }

  async close(): Promise<void> {}
}
