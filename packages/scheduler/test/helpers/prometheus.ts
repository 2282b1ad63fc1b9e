import assert from 'node:assert/strict';

/** One Prometheus text page, read as samples. */
export class Scrape {
  constructor(readonly page: string) {}

  static async of(address: string | undefined): Promise<Scrape> {
    assert.ok(address, 'a metrics address');
    const res = await fetch(`http://${address}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    return new Scrape(await res.text());
  }

  /** The samples of one metric, by their label text ('{a="x",b="y"}', or '' for none). */
  samples(name: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const line of this.page.split('\n')) {
      const m = line.match(new RegExp(`^${name}(\\{.*\\})? (\\S+)$`));
      if (m) out.set(m[1] ?? '', Number(m[2]));
    }
    return out;
  }

  /** The sum of a metric's samples whose labels include every pair given. */
  sum(name: string, labels: Record<string, string> = {}): number {
    let total = 0;
    for (const [text, v] of this.samples(name)) if (Object.entries(labels).every(([k, x]) => text.includes(`${k}="${x}"`))) total += v;
    return total;
  }

  /** Every label value on the page. */
  labelValues(): string[] {
    return [...this.page.matchAll(/[a-z_]+="((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!);
  }
}

/** How much a metric moved between two scrapes. */
export function delta(before: Scrape, after: Scrape, name: string, labels: Record<string, string> = {}): number {
  return after.sum(name, labels) - before.sum(name, labels);
}
