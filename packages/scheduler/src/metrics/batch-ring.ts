/** One settled batch as the dashboard's cost-model chart plots it. */
export interface BatchSample {
  at: number;
  op: string;
  workerClass: string;
  jobs: number;
  predictedSeconds: number;
  kernelSeconds: number;
}

/** The last `size` settled batches, oldest first: a fixed array written round, so nothing grows. */
export class BatchRing {
  private readonly items: BatchSample[] = [];
  private next = 0;

  constructor(private readonly size = 500) {}

  push(sample: BatchSample): void {
    if (this.items.length < this.size) this.items.push(sample);
    else this.items[this.next] = sample;
    this.next = (this.next + 1) % this.size;
  }

  list(): BatchSample[] {
    return this.items.length < this.size ? [...this.items] : [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
  }
}
