import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "./fixtures";

// Three agents, so that two of them are a set that is neither one agent nor all.
const agentsFile = join(mkdtempSync(join(tmpdir(), "switchboard-picker-")), "agents.json");
writeFileSync(
  agentsFile,
  JSON.stringify([
    { id: "atlas", name: "Atlas", description: "Plans and explains.", systemPrompt: "You are Atlas." },
    { id: "quill", name: "Quill", description: "Reviews, briefly.", systemPrompt: "You are Quill." },
    { id: "sage", name: "Sage", description: "Weighs the options.", systemPrompt: "You are Sage." },
  ]),
);
test.use({ serverEnv: { AGENTS_FILE: agentsFile } });

test("two of three agents chosen with the mouse are asked together, and only they answer", async ({
  chat,
  gateway,
  page,
}, testInfo) => {
  gateway.setDefault({ tokens: ["Here", " I am."] });
  await chat.openNewChat();
  const mode = page.getByTestId("turn-mode");
  const choices = page.getByTestId("agent-choices");
  const choice = (id: string) => choices.locator(`[data-testid="agent-choice"][data-agent-id="${id}"]`);
  await expect(mode).toHaveCount(0);

  await page.getByTestId("agent-choices-button").click();
  await expect(choices.getByTestId("agent-choice")).toHaveCount(3);
  await expect(choice("atlas")).toBeChecked();
  await choice("sage").check();
  await expect(chat.agentPicker).toHaveValue("atlas,sage");
  await expect(chat.agentPicker.locator("option:checked")).toHaveText("Atlas, Sage");
  await expect(mode).toBeVisible();
  await chat.screenshot(testInfo, "agent-choices");

  // A click elsewhere closes the list; the choice stays.
  await page.getByRole("heading", { name: "What can we help with?" }).click();
  await expect(choices).toHaveCount(0);
  await expect(chat.agentPicker).toHaveValue("atlas,sage");

  await mode.locator('[data-mode="parallel"]').click();
  await chat.send("Atlas and Sage, please.");
  const answers = page.locator('[data-testid="message"][data-role="assistant"]');
  await expect(answers).toHaveCount(2);
  await expect(answers.nth(0)).toHaveAttribute("data-agent-id", "atlas");
  await expect(answers.nth(1)).toHaveAttribute("data-agent-id", "sage");
  for (const index of [0, 1]) await expect(answers.nth(index)).toHaveAttribute("data-status", "complete");
  expect(gateway.requests).toHaveLength(2);
  const prompts = gateway.requests.map((request) => String(request.messages[0]?.content)).sort();
  expect(prompts).toEqual(["You are Atlas.", "You are Sage."]);
});

test("the agent choices work from the keyboard: Space toggles, one stays chosen, Esc closes", async ({
  chat,
  gateway,
  page,
}, testInfo) => {
  await page.emulateMedia({ colorScheme: "dark" });
  gateway.setDefault({ tokens: Array.from({ length: 20 }, (_, i) => ` w${i}`), tokenDelayMs: 100 });
  await chat.openNewChat();
  const button = page.getByTestId("agent-choices-button");
  const choices = page.getByTestId("agent-choices");
  const choice = (id: string) => choices.locator(`[data-testid="agent-choice"][data-agent-id="${id}"]`);

  await chat.agentPicker.focus();
  await page.keyboard.press("Tab");
  await expect(button).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(button).toHaveAttribute("aria-expanded", "true");
  await expect(choice("atlas")).toBeFocused();

  // The only agent chosen cannot be left out.
  await page.keyboard.press("Space");
  await expect(choice("atlas")).toBeChecked();
  await page.keyboard.press("Tab");
  await page.keyboard.press("Space");
  await expect(chat.agentPicker).toHaveValue("atlas,quill");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Space");
  await expect(chat.agentPicker).toHaveValue("*");
  await expect(chat.agentPicker.locator("option:checked")).toHaveText("All agents");
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Space");
  await expect(chat.agentPicker).toHaveValue("quill,sage");
  await expect(page.getByTestId("turn-mode")).toBeVisible();
  await chat.screenshot(testInfo, "agent-choices-keyboard-dark");

  await page.keyboard.press("Escape");
  await expect(choices).toHaveCount(0);
  await expect(button).toBeFocused();
  await expect(button).toHaveAttribute("aria-expanded", "false");

  // The select still asks one agent, and the list shows that choice when opened again.
  await chat.agentPicker.selectOption("quill");
  await expect(page.getByTestId("turn-mode")).toHaveCount(0);
  await chat.composer.fill("Take your time.");
  await button.click();
  await expect(choices.locator('[data-testid="agent-choice"]:checked')).toHaveCount(1);
  await expect(choice("quill")).toBeChecked();

  // Tabbing out of the list closes it.
  await choice("sage").focus();
  await page.keyboard.press("Tab");
  await expect(chat.sendButton).toBeFocused();
  await expect(choices).toHaveCount(0);

  // Esc in the list closes it without stopping an answer that is being written.
  await page.keyboard.press("Enter");
  await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "streaming");
  await button.click();
  await expect(choices).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(choices).toHaveCount(0);
  await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "complete", { timeout: 15_000 });
});
