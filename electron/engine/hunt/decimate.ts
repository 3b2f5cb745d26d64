// Keeps at most `max` items of an unbounded stream in memory, spread over the whole stream:
// an hour-long hunt at 5 Hz must not grow leakhound itself. The full series is on disk
// (samples.jsonl). The thinning is shared/decimate.ts, the same as the API and the live chart.
import { BoundedSeries } from '../../../shared/decimate';

export class Decimator<T> {
  private readonly series: BoundedSeries<T>;

  /** with a `level`, each thinned stretch keeps its lowest and highest item instead of its first */
  constructor(max: number, level?: (item: T) => number) {
    this.series = new BoundedSeries<T>({ max, level });
  }

  push(item: T): void {
    this.series.push(item);
  }

  values(): T[] {
    return this.series.values();
  }
}
