import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Markdown } from "@/app/_components/markdown";
import { HOSTILE_ANSWER, HOSTILE_MARKERS } from "../fixtures/hostile-answer";

const render = (text: string, streaming = false) =>
  renderToStaticMarkup(<Markdown text={text} streaming={streaming} />);

describe("answers rendered as Markdown", () => {
  it("renders headings, lists, emphasis, tables and code", () => {
    const html = render(
      "# Title\n\n- one\n- **two**\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```ts\nconst x = 1;\n```",
    );
    expect(html).toMatch(/<h1[^>]*>Title<\/h1>/);
    expect(html).toMatch(/<li[^>]*>one<\/li>/);
    expect(html).toMatch(/data-streamdown="strong"[^>]*>two</);
    expect(html).toMatch(/<table/);
    expect(html).toContain("const x = 1;");
  });

  it("closes half-finished syntax while streaming", () => {
    expect(render("Some **bold text", true)).toMatch(/data-streamdown="strong"[^>]*>bold text</);
    const fence = render("Look:\n\n```ts\nconst x = 1", true);
    expect(fence).toMatch(/data-incomplete="true"[^>]*data-streamdown="code-block"/);
    expect(fence).toMatch(/>const x = 1</);
    expect(fence).not.toContain("```");
  });

  it("keeps web links and drops javascript: and data: targets", () => {
    const html = render("[bad](javascript:alert(1)) [data](data:text/html,x) <https://example.com/a>");
    expect(html).not.toMatch(/(javascript|data):/);
    // Web links open through a confirmation, so they render as a button naming the link.
    expect(html).toMatch(/<button[^>]*data-streamdown="link"[^>]*>https:\/\/example.com\/a<\/button>/);
  });

  it("renders none of a hostile answer's markup as live HTML, yet shows its text", () => {
    for (const streaming of [false, true]) {
      const html = render(HOSTILE_ANSWER, streaming);
      for (const marker of HOSTILE_MARKERS)
        expect(html, `${marker} (streaming: ${streaming})`).not.toMatch(marker);
      // The raw tags stay readable as text, escaped.
      expect(html).toContain("&lt;script&gt;window.__pwned");
      expect(html).toContain("Done.");
    }
  });
});
