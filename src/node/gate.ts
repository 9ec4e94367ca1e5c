// Readers and one writer: the node's batches append to the tiled tree (the writer);
// proofs and tiles asked outside a batch read it (readers). A waiting writer goes
// before new readers, so that audits cannot hold up the log.
export class Gate {
  private readers = 0;
  private writing = false;
  private writersWaiting = 0;
  private waiters: (() => void)[] = [];

  private wait(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }

  async read<T>(fn: () => Promise<T>): Promise<T> {
    while (this.writing || this.writersWaiting > 0) await this.wait();
    this.readers++;
    try {
      return await fn();
    } finally {
      this.readers--;
      this.wake();
    }
  }

  async write<T>(fn: () => Promise<T>): Promise<T> {
    this.writersWaiting++;
    while (this.writing || this.readers > 0) await this.wait();
    this.writersWaiting--;
    this.writing = true;
    try {
      return await fn();
    } finally {
      this.writing = false;
      this.wake();
    }
  }
}
