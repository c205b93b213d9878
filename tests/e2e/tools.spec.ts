import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HOSTILE_ANSWER } from "../fixtures/hostile-answer";
import { toDeltas } from "../fixtures/markdown-answer";
import { expect, test } from "./fixtures";
import { watchHostileEffects } from "./pages/hostile-effects";

// One agent with tools; the fake gateway decides when it calls them.
const agentsFile = join(mkdtempSync(join(tmpdir(), "switchboard-tools-")), "agents.json");
writeFileSync(
  agentsFile,
  JSON.stringify([
    {
      id: "reckoner",
      name: "Reckoner",
      systemPrompt: "You answer with the help of your tools.",
      tools: ["calculator", "search_conversations"],
    },
  ]),
);
test.use({ serverEnv: { AGENTS_FILE: agentsFile } });

const ARGUMENTS = '{"expression":"6*7"}';
const answerTokens = Array.from({ length: 30 }, (_, i) => (i === 0 ? "The answer is 42" : ` word${i}`));
const fullAnswer = answerTokens.join("");

test("a tool card shows its arguments as they stream, runs, shows its result, and the answer streams below it; after a reload and on a share page too", async ({
  chat,
  gateway,
  page,
  browser,
  baseURL,
}, testInfo) => {
  // Longer than Playwright's slowest polling interval (1 s), so the running state cannot slip between two looks.
  await chat.delayToolResults(2_500);
  gateway.enqueue(
    { toolCalls: [{ name: "calculator", arguments: ARGUMENTS, chunks: 6 }], tokenDelayMs: 150 },
    { tokens: answerTokens, tokenDelayMs: 90 },
  );
  await chat.openNewChat();
  await chat.send("What is 6 times 7?");
  const answer = chat.lastAnswer();
  const card = answer.toolCard("calculator");

  const sampling = answer.toolStepsWhileStreaming({ timeoutMs: 20_000 });
  await expect(card.status).toHaveText("Running calculator…");
  await chat.screenshot(testInfo, "0-running");
  await expect(card.output).toHaveText("42");
  await chat.screenshot(testInfo, "1-result");
  const samples = await sampling;

  const states = samples.map((sample) => sample.state).filter((state, i, all) => state !== all[i - 1]);
  expect(states).toEqual(["input-streaming", "input-available", "output-available"]);
  // The arguments grow on screen, as the model writes them.
  const streamedInputs = [
    ...new Set(samples.filter((s) => s.state === "input-streaming").map((s) => s.input)),
  ].filter(Boolean);
  expect(streamedInputs.length, streamedInputs.join(" | ")).toBeGreaterThanOrEqual(2);
  for (const input of streamedInputs) expect(ARGUMENTS.startsWith(input), input).toBe(true);
  for (const sample of samples.filter((s) => s.state === "input-available")) {
    expect(sample).toMatchObject({ status: "Running calculator…", spinner: true, output: "", answer: "" });
  }
  // The message is still under way through the tool steps; the answer comes after the result, below the card.
  for (const sample of samples.filter((s) => s.state !== "output-available")) {
    expect(sample.messageStatus).toBe("streaming");
    expect(sample.answer).toBe("");
  }
  const answered = samples.filter((s) => s.answer !== "");
  for (const sample of answered) {
    expect(sample).toMatchObject({ state: "output-available", output: "42", cardAboveAnswer: true });
    expect(fullAnswer.startsWith(sample.answer)).toBe(true);
  }
  const growing = new Set(answered.filter((s) => s.messageStatus === "streaming").map((s) => s.answer));
  expect(growing.size, "distinct answer texts while streaming").toBeGreaterThanOrEqual(2);

  await expect(answer.root).toHaveAttribute("data-status", "complete");
  await expect(answer.text).toHaveText(fullAnswer);
  await expect(answer.toolCalls).toHaveCount(1);
  await expect(card.root).toHaveAttribute("data-state", "output-available");
  await expect(card.name).toHaveText("Calculator");
  await expect(card.input).toHaveText('{\n  "expression": "6*7"\n}');
  await expect(card.status).toHaveText("Done");
  await chat.screenshot(testInfo, "2-complete");

  // What was streamed was stored: a reload shows the same card, result and answer.
  await page.reload();
  const reloaded = chat.lastAnswer();
  await expect(reloaded.root).toHaveAttribute("data-status", "complete");
  const reloadedCard = reloaded.toolCard("calculator");
  await expect(reloadedCard.root).toHaveAttribute("data-state", "output-available");
  await expect(reloadedCard.input).toHaveText('{\n  "expression": "6*7"\n}');
  await expect(reloadedCard.output).toHaveText("42");
  await expect(reloaded.text).toHaveText(fullAnswer);
  expect(
    await reloadedCard.root.evaluate(
      (tool, text) => (tool.compareDocumentPosition(text as Node) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0,
      await reloaded.text.elementHandle(),
    ),
  ).toBe(true);
  await chat.screenshot(testInfo, "3-reloaded");

  const viewer = await chat.openAsViewer(browser, baseURL);
  const shared = viewer.locator('[data-testid="message"][data-role="assistant"]').last();
  const sharedCard = shared.locator('[data-testid="tool-call"][data-tool-name="calculator"]');
  await expect(sharedCard).toHaveAttribute("data-state", "output-available");
  await expect(sharedCard.getByTestId("tool-output")).toHaveText("42");
  await expect(shared.getByTestId("streaming-text")).toHaveText(fullAnswer);
  await viewer.screenshot({ path: testInfo.outputPath("4-shared.png") });
  await viewer.context().close();
});

test("a tool that fails shows its error, and the answer goes on", async ({
  chat,
  gateway,
  page,
}, testInfo) => {
  gateway.enqueue(
    { toolCalls: [{ name: "calculator", arguments: '{"expression":"6*"}' }] },
    { tokens: ["That", " expression", " is", " incomplete."] },
  );
  await chat.openNewChat();
  await chat.send("What is 6 times?");
  const answer = chat.lastAnswer();
  const card = answer.toolCard("calculator");
  await expect(answer.root).toHaveAttribute("data-status", "complete");
  await expect(card.root).toHaveAttribute("data-state", "output-error");
  await expect(card.status).toHaveText("Failed");
  await expect(card.error).toBeVisible();
  await expect(card.error).not.toHaveText("");
  await expect(card.output).toHaveCount(0);
  await expect(answer.text).toHaveText("That expression is incomplete.");
  await chat.screenshot(testInfo, "tool-error");

  const errorText = await card.error.textContent();
  await page.reload();
  const reloaded = chat.lastAnswer().toolCard("calculator");
  await expect(reloaded.root).toHaveAttribute("data-state", "output-error");
  await expect(reloaded.error).toHaveText(errorText ?? "");
});

test("hostile tool arguments and results are shown as text and run nothing", async ({
  chat,
  gateway,
  page,
}, testInfo) => {
  const effects = watchHostileEffects(page);
  // An earlier answer holds the bait; searching the user's conversations brings it back as a tool result.
  gateway.enqueue({ tokens: toDeltas(HOSTILE_ANSWER, 9), tokenDelayMs: 2 });
  await chat.openNewChat();
  await chat.send("Write me something.");
  await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "complete");

  const hostileArgument =
    "<img src=/pwned/args onerror=\"window.__pwned='args'\"><script>window.__pwned='args'</script>";
  gateway.enqueue(
    {
      toolCalls: [
        { name: "search_conversations", arguments: JSON.stringify({ query: "summary" }) },
        { name: "calculator", arguments: JSON.stringify({ expression: hostileArgument }) },
      ],
    },
    { tokens: ["Found", " it."] },
  );
  await chat.send("Look up what you wrote before.");
  const answer = chat.lastAnswer();
  await expect(answer.root).toHaveAttribute("data-status", "complete");
  const search = answer.toolCard("search_conversations");
  await expect(search.root).toHaveAttribute("data-state", "output-available");
  if ((await search.outputToggle.count()) > 0) await search.outputToggle.click();
  // The markup is there for the reader to see, as text.
  await expect(search.output).toContainText("<script>window.__pwned = 'script'</script>");
  await expect(search.output).toContainText('<img src=\\"/pwned/img\\"');
  const calculator = answer.toolCard("calculator");
  await expect(calculator.root).toHaveAttribute("data-state", "output-error");
  await expect(calculator.input).toContainText("<script>window.__pwned='args'</script>");

  // Nothing inside a card's input, result or error is an element: it is all text.
  for (const part of ["tool-input", "tool-output", "tool-error"]) {
    await expect(answer.root.locator(`[data-testid="${part}"] *`)).toHaveCount(0);
  }
  await expect(answer.toolCalls.locator("script, iframe, img, object, embed, a")).toHaveCount(0);
  await expect(answer.toolCalls.locator("[onerror], [onload], [onmouseover], [onclick]")).toHaveCount(0);
  await search.output.hover();
  await search.output.click();
  await calculator.input.click();
  await effects.expectNone("tool output");
  await chat.screenshot(testInfo, "hostile-tools");

  await page.reload();
  await expect(chat.lastAnswer().toolCalls).toHaveCount(2);
  await effects.expectNone("tool output after a reload");
});
