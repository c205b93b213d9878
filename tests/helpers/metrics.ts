/** GET /metrics of a server, as text. */
export async function scrape(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/metrics`);
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
  return response.text();
}

/**
 * The value of one sample in Prometheus text format: the line for `name` whose
 * labels include every one given; 0 when there is none (a counter never incremented).
 */
export function sampleValue(exposition: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of exposition.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = match[2] ?? "";
    if (Object.entries(labels).every(([key, value]) => present.includes(`${key}="${value}"`))) {
      return Number(match[3]);
    }
  }
  return 0;
}
