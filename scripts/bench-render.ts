/**
 * Rendering benchmark: streams a long Markdown answer from the fake gateway
 * through the real server into Chromium and reports every main-thread task
 * over 50 ms (PerformanceObserver "longtask") and the longest gap between
 * frames while the answer grows. With --reasoning N the model first thinks
 * for N reasoning deltas at the same rate, shown live in the reasoning block.
 *
 *   npm run bench:render -- [--tokens 2000] [--reasoning 0] [--rate 100] [--max-long-task-ms 50]
 *
 * Exits 1 when a long task exceeds the limit.
 */
import { parseArgs } from "node:util";
import { chromium } from "@playwright/test";
import { FakeGateway } from "../tests/fixtures/fake-gateway";
import { chromiumLaunchOptions } from "../tests/helpers/chromium";
import { startServerProcess } from "../tests/helpers/server-process";

const { values } = parseArgs({
  options: {
    tokens: { type: "string", default: "2000" },
    reasoning: { type: "string", default: "0" },
    rate: { type: "string", default: "100" },
    "max-long-task-ms": { type: "string", default: "50" },
  },
});
const tokenCount = Number(values.tokens);
const reasoningCount = Number(values.reasoning);
const tokensPerSecond = Number(values.rate);
const limitMs = Number(values["max-long-task-ms"]);

// Prose, lists, tables and code, as a long technical answer mixes them.
const SECTIONS = [
  "## Section\n\nThe server streams every token to each browser watching the conversation, and the page renders it as Markdown while it is still arriving. ",
  "- first point with `inline code` and **bold** words\n- second point that runs a little longer than the first\n- third point\n\n",
  "| name | value | note |\n| --- | --- | --- |\n| alpha | 1 | short |\n| beta | 22 | a longer note here |\n\n",
  "```ts\nexport function sum(values: number[]): number {\n  let total = 0;\n  for (const value of values) total += value;\n  return total;\n}\n```\n\n",
  "A closing paragraph explains the trade-offs in plain words, with a [link](https://example.com) and *emphasis*.\n\n",
];

function answerTokens(count: number): string[] {
  const words: string[] = [];
  for (let i = 0; words.length < count; i++) {
    const section = SECTIONS[i % SECTIONS.length] ?? "";
    words.push(...(section.match(/\s*\S+\s*/g) ?? []));
  }
  return words.slice(0, count);
}

if (process.env.BENCH_ONLY)
  SECTIONS.splice(
    0,
    SECTIONS.length,
    ...SECTIONS.filter((_, i) => process.env.BENCH_ONLY?.split(",").includes(String(i))),
  );
const tokens = answerTokens(tokenCount);
// Reasoning is plain prose: the first section's sentence, over and over.
const prose = SECTIONS[0]?.match(/\s*\S+\s*/g)?.slice(2) ?? [" word"];
const reasoning = Array.from({ length: reasoningCount }, (_, i) => prose[i % prose.length] ?? " word");
const gateway = await FakeGateway.start();
gateway.setDefault({
  tokens,
  ...(reasoningCount > 0 && { reasoning }),
  tokenDelayMs: 1000 / tokensPerSecond,
});
const server = await startServerProcess({ env: { LLM_BASE_URL: gateway.baseUrl, LLM_MODEL: "fake-model" } });
const browser = await chromium.launch(chromiumLaunchOptions());

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.addInitScript(() => {
    const probe = {
      longTasks: [] as number[],
      at: [] as number[],
      maxFrameGapMs: 0,
      frames: 0,
      recording: false,
    };
    (window as unknown as { __bench: typeof probe }).__bench = probe;
    new PerformanceObserver((list) => {
      if (!probe.recording) return;
      for (const entry of list.getEntries()) {
        probe.longTasks.push(entry.duration);
        const shown = document.querySelectorAll('[data-testid="streaming-text"]');
        const thought = document.querySelectorAll('[data-testid="reasoning-text"]');
        probe.at.push(
          (shown[shown.length - 1]?.textContent?.length ?? 0) +
            (thought[thought.length - 1]?.textContent?.length ?? 0),
        );
      }
    }).observe({ type: "longtask", buffered: false });
  });
  await page.goto(server.url);
  await page.getByTestId("connection-status").and(page.locator('[data-state="connected"]')).waitFor();
  // Frames are counted from here on (a frame callback asked for at document start never runs). Given as
  // source text: tsx would wrap a named function here in a helper the page does not have.
  await page.evaluate(`(() => {
    const probe = window.__bench;
    probe.recording = true;
    let last = 0;
    requestAnimationFrame(function frame(now) {
      if (!probe.recording) return;
      if (last) probe.maxFrameGapMs = Math.max(probe.maxFrameGapMs, now - last);
      probe.frames++;
      last = now;
      requestAnimationFrame(frame);
    });
  })()`);
  const started = Date.now();
  await page.getByTestId("composer-input").fill("Write the long answer.");
  await page.getByTestId("composer-input").press("Enter");
  const answer = page.locator('[data-testid="message"][data-role="assistant"]').last();
  await answer
    .and(page.locator('[data-status="complete"]'))
    .waitFor({ timeout: ((tokenCount + reasoningCount) / tokensPerSecond) * 3_000 + 30_000 });
  const elapsedMs = Date.now() - started;
  const probe = await page.evaluate(() => {
    const bench = (
      window as unknown as {
        __bench: {
          longTasks: number[];
          at: number[];
          maxFrameGapMs: number;
          frames: number;
          recording: boolean;
        };
      }
    ).__bench;
    bench.recording = false;
    return bench;
  });
  const shown = (await answer.getByTestId("streaming-text").textContent()) ?? "";
  const worst = probe.longTasks.length ? Math.max(...probe.longTasks) : 0;
  const blocking = probe.longTasks.reduce((sum, duration) => sum + Math.max(0, duration - 50), 0);
  process.stdout.write(
    `${[
      `answer: ${reasoning.length} reasoning deltas, then ${tokens.length} tokens, at ${tokensPerSecond} per second (${shown.length} characters shown)`,
      `streamed in: ${(elapsedMs / 1000).toFixed(1)} s`,
      `long tasks (> 50 ms): ${probe.longTasks.length}${probe.longTasks.length ? ` (${probe.longTasks.map((d, i) => `${d.toFixed(0)} ms at ${probe.at[i]} characters shown`).join(", ")})` : ""}`,
      `longest task: ${worst.toFixed(0)} ms; total blocking time: ${blocking.toFixed(0)} ms`,
      `frames: ${probe.frames}; longest gap between frames: ${probe.maxFrameGapMs.toFixed(0)} ms`,
    ].join("\n")}\n`,
  );
  if (worst > limitMs) {
    console.error(`FAIL: a main-thread task took ${worst.toFixed(0)} ms (limit ${limitMs} ms)`);
    process.exitCode = 1;
  }
} finally {
  await browser.close();
  await server.stop();
  await gateway.close();
}
