import { afterEach, describe, expect, it, vi } from "vitest";
import { lastKnownHealth } from "@/lib/llm/health";
import type { UpstreamHealth } from "@/lib/llm/types";

const unknown: UpstreamHealth = {
  ok: false,
  kind: "gateway",
  label: "LLM gateway",
  detail: "not checked yet",
};

afterEach(() => {
  vi.useRealTimers();
});

describe("lastKnownHealth", () => {
  it("answers at once, checks in the background, and asks the upstream at most once per period", async () => {
    vi.useFakeTimers();
    let calls = 0;
    let healthy = true;
    const read = lastKnownHealth(
      async () => {
        calls += 1;
        return { ...unknown, ok: healthy, detail: `check ${calls}` };
      },
      unknown,
      30_000,
    );

    expect(read()).toEqual(unknown);
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 0; i < 20; i++) expect(read()).toMatchObject({ ok: true, detail: "check 1" });
    expect(calls).toBe(1);
    expect(read().checkedAt).toEqual(expect.any(String));

    healthy = false;
    await vi.advanceTimersByTimeAsync(29_000);
    read();
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(read()).toMatchObject({ ok: true, detail: "check 1" });
    await vi.advanceTimersByTimeAsync(0);
    expect(read()).toMatchObject({ ok: false, detail: "check 2" });
    expect(calls).toBe(2);
  });

  it("remembers a check that threw as unhealthy", async () => {
    const read = lastKnownHealth(async () => {
      throw new Error("boom");
    }, unknown);
    read();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(read()).toMatchObject({ ok: false, detail: "Error: boom" });
  });
});
