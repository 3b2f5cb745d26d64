// Keeps at most `max` evenly spread items of an unbounded stream in memory: an hour-long
// hunt at 5 Hz must not grow leakhound itself. The full series is on disk (samples.jsonl).
export class Decimator<T> {
  private items: T[] = [];
  private stride = 1;
  private seen = 0;

  constructor(private readonly max: number) {}

  push(item: T): void {
    if (this.seen++ % this.stride !== 0) return;
    this.items.push(item);
    if (this.items.length >= this.max) {
      this.items = this.items.filter((_, i) => i % 2 === 0);
      this.stride *= 2;
    }
  }

  values(): T[] {
    return [...this.items];
  }
}
