import type { StepResult } from "./run";

const COLORS = ["#64748b", "#f59e0b", "#4f46e5", "#059669", "#db2777", "#0891b2"];
const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;");

type Panel = { title: string; unit: string; value: (step: StepResult) => number; log: boolean };

/**
 * Two panels as one SVG: per-token p99 latency and CPU per token, each
 * against the number of concurrent answers, one line per server.
 */
export function chartSvg(results: StepResult[], caption: string): string {
  const targets = [...new Set(results.map((step) => step.target))];
  const streams = [...new Set(results.map((step) => step.streams))].sort((a, b) => a - b);
  const panels: Panel[] = [
    { title: "Per-token latency, p99", unit: "ms", value: (s) => s.median.tokenP99Ms, log: true },
    { title: "Server CPU per token", unit: "µs", value: (s) => s.median.cpuUsPerToken, log: false },
  ];
  const width = 900;
  const height = 380;
  const panelWidth = 350;
  const plot = { top: 50, height: 230, left: 60 };
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<title>Per-token p99 latency and server CPU per token against concurrent answers</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
  ];
  panels.forEach((panel, p) => {
    const x0 = 20 + p * (panelWidth + 100) + plot.left;
    const values = results.map(panel.value).filter((v) => v > 0);
    const max = Math.max(...values, 1);
    const min = panel.log ? Math.max(0.1, Math.min(...values, max)) : 0;
    const top = panel.log ? 10 ** Math.ceil(Math.log10(max)) : niceCeiling(max);
    const bottom = panel.log ? 10 ** Math.floor(Math.log10(min)) : 0;
    const y = (v: number) => {
      const t = panel.log
        ? (Math.log10(Math.max(v, bottom)) - Math.log10(bottom)) / (Math.log10(top) - Math.log10(bottom) || 1)
        : (v - bottom) / (top - bottom || 1);
      return plot.top + plot.height * (1 - t);
    };
    const x = (i: number) =>
      x0 + (streams.length === 1 ? panelWidth / 2 : (i * panelWidth) / (streams.length - 1));
    parts.push(
      `<text x="${x0}" y="28" font-size="14" font-weight="600">${escapeXml(panel.title)} (${panel.unit})</text>`,
    );
    const ticks = panel.log
      ? Array.from({ length: Math.round(Math.log10(top / bottom)) + 1 }, (_, i) => bottom * 10 ** i)
      : Array.from({ length: 5 }, (_, i) => (top * i) / 4);
    for (const tick of ticks) {
      parts.push(
        `<line x1="${x0}" x2="${x0 + panelWidth}" y1="${y(tick)}" y2="${y(tick)}" stroke="#e5e7eb"/>`,
        `<text x="${x0 - 6}" y="${y(tick) + 4}" text-anchor="end" fill="#6b7280">${tick >= 1 ? Math.round(tick) : tick}</text>`,
      );
    }
    streams.forEach((count, i) => {
      parts.push(
        `<text x="${x(i)}" y="${plot.top + plot.height + 18}" text-anchor="middle" fill="#6b7280">${count}</text>`,
      );
    });
    parts.push(
      `<text x="${x0 + panelWidth / 2}" y="${plot.top + plot.height + 36}" text-anchor="middle" fill="#374151">concurrent answers</text>`,
    );
    targets.forEach((target, t) => {
      const color = COLORS[t % COLORS.length];
      const points = streams.flatMap((count, i) => {
        const step = results.find((s) => s.target === target && s.streams === count);
        return step ? [`${x(i).toFixed(1)},${y(panel.value(step)).toFixed(1)}`] : [];
      });
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2.5" points="${points.join(" ")}"/>`);
      for (const point of points) {
        const [px, py] = point.split(",");
        parts.push(`<circle cx="${px}" cy="${py}" r="3.5" fill="${color}"/>`);
      }
    });
  });
  let lx = 80;
  targets.forEach((target, t) => {
    parts.push(
      `<rect x="${lx}" y="${height - 40}" width="14" height="4" fill="${COLORS[t % COLORS.length]}"/>`,
      `<text x="${lx + 20}" y="${height - 34}">${escapeXml(target)}</text>`,
    );
    lx += 40 + target.length * 6.5;
  });
  parts.push(`<text x="80" y="${height - 12}" fill="#6b7280">${escapeXml(caption)}</text>`, "</svg>");
  return `${parts.join("\n")}\n`;
}

function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * magnitude >= value) ?? 10;
  return step * magnitude;
}
