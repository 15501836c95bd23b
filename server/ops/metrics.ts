/**
 * A minimal Prometheus registry: counters that code increments and gauges read when scraped, in
 * the text exposition format (version 0.0.4). No client library: the studio needs a handful of
 * unlabelled series.
 */
export type MetricType = "counter" | "gauge";

interface Series {
  name: string;
  help: string;
  type: MetricType;
  read(): number | Promise<number>;
}

export class Counter {
  private value = 0;
  inc(by = 1): void {
    if (by < 0) throw new Error("a counter only goes up");
    this.value += by;
  }
  get(): number {
    return this.value;
  }
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export class Registry {
  private readonly series = new Map<string, Series>();

  counter(name: string, help: string): Counter {
    const counter = new Counter();
    this.add({ name, help, type: "counter", read: () => counter.get() });
    return counter;
  }

  /** A value computed at scrape time (queue length, open sockets, loaded documents). */
  gauge(name: string, help: string, read: () => number | Promise<number>): void {
    this.add({ name, help, type: "gauge", read });
  }

  /** The exposition text; a gauge whose read fails is left out (its error is a comment). */
  async render(): Promise<string> {
    const lines: string[] = [];
    for (const s of this.series.values()) {
      let value: number;
      try {
        value = await s.read();
      } catch (error) {
        lines.push(
          `# ${s.name} unavailable: ${String(error instanceof Error ? error.message : error).replace(/\n/g, " ")}`,
        );
        continue;
      }
      lines.push(
        `# HELP ${s.name} ${s.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`,
        `# TYPE ${s.name} ${s.type}`,
        `${s.name} ${formatValue(value)}`,
      );
    }
    return lines.join("\n") + "\n";
  }

  private add(series: Series): void {
    if (!NAME.test(series.name)) throw new Error(`invalid metric name '${series.name}'`);
    if (this.series.has(series.name)) throw new Error(`metric '${series.name}' registered twice`);
    this.series.set(series.name, series);
  }
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}
