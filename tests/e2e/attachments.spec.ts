import { readFileSync } from "node:fs";
import type { Locator, Page } from "@playwright/test";
import { builtInAgents } from "@/lib/agents/roster";
import { gradientPng } from "../fixtures/files";
import { lastUserParts, type UpstreamPart } from "../helpers/attachments";
import { writeAgentsFile } from "../helpers/gateway-server";
import { expect, expectConsoleErrors, test } from "./fixtures";

const blind = { id: "blind", name: "Blind", systemPrompt: "You read text only.", vision: false };
test.use({ serverEnv: { AGENTS_FILE: writeAgentsFile([...builtInAgents, blind]) } });

const IMAGE = gradientPng(320, 200);
// Large enough that its upload, throttled below, shows its progress for a while.
const NOTES = `# Trip notes\n\n${"Lisbon to Porto by train, 3 hours. ".repeat(40_000)}\n`;

type Dropped = { name: string; type: string; base64: string };

/** Drops files onto a target as a person dragging them from their desktop would. */
async function dropFiles(page: Page, target: Locator, files: Dropped[]): Promise<void> {
  const dataTransfer = await page.evaluateHandle((list: Dropped[]) => {
    const transfer = new DataTransfer();
    for (const file of list) {
      const bytes = Uint8Array.from(atob(file.base64), (character) => character.charCodeAt(0));
      transfer.items.add(new File([bytes], file.name, { type: file.type }));
    }
    return transfer;
  }, files);
  await target.dispatchEvent("dragenter", { dataTransfer });
  await target.dispatchEvent("dragover", { dataTransfer });
  await expect(target).toHaveAttribute("data-dragging", "true");
  await target.dispatchEvent("drop", { dataTransfer });
}

/** Pastes files into the message box, as a screenshot from the clipboard arrives. */
async function pasteFiles(target: Locator, files: Dropped[]): Promise<void> {
  await target.evaluate((element, list: Dropped[]) => {
    const transfer = new DataTransfer();
    for (const file of list) {
      const bytes = Uint8Array.from(atob(file.base64), (character) => character.charCodeAt(0));
      transfer.items.add(new File([bytes], file.name, { type: file.type }));
    }
    element.dispatchEvent(
      new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true, cancelable: true }),
    );
  }, files);
}

const image: Dropped = { name: "route.png", type: "image/png", base64: IMAGE.toString("base64") };
const notes: Dropped = {
  name: "notes.md",
  type: "text/markdown",
  base64: Buffer.from(NOTES).toString("base64"),
};

test("files dropped on the composer upload with progress, go with the message, show in it and reach the model", async ({
  chat,
  gateway,
  page,
  browser,
}, testInfo) => {
  gateway.setDefault({ tokens: ["A", " gradient", " and", " your", " notes."], tokenDelayMs: 30 });
  await chat.openNewChat();
  const composer = page.getByTestId("composer");
  const pending = page.getByTestId("pending-attachment");

  // A slow uplink, so the upload's progress can be seen moving.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: 400 * 1024,
  });

  await dropFiles(page, composer, [image]);
  await dropFiles(page, composer, [notes]);
  await expect(pending).toHaveCount(2);
  const progress = page.getByTestId("upload-progress");
  await expect(progress).toBeVisible();
  await expect
    .poll(async () => Number(await progress.getAttribute("aria-valuenow")), { timeout: 10_000 })
    .toBeGreaterThan(0);
  // Nothing can be sent while a file is still on its way.
  await chat.composer.fill("What do these show?");
  await expect(chat.sendButton).toBeDisabled();
  await chat.screenshot(testInfo, "attachments-uploading");

  await expect(pending.nth(0)).toHaveAttribute("data-state", "ready", { timeout: 30_000 });
  await expect(pending.nth(1)).toHaveAttribute("data-state", "ready", { timeout: 30_000 });
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
  });
  await chat.screenshot(testInfo, "attachments-ready");
  await chat.sendButton.click();
  await expect(pending).toHaveCount(0);

  const question = chat.userMessages().last();
  const shown = question.getByTestId("attachment");
  await expect(shown).toHaveCount(2);
  const thumbnail = question.locator('[data-testid="attachment"][data-kind="image"]');
  await expect(thumbnail.locator("img")).toHaveJSProperty("naturalWidth", 320);
  const chip = question.locator('[data-testid="attachment"][data-kind="file"]');
  await expect(chip).toContainText("notes.md");
  await expect(chip).toContainText("MB");
  await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "complete", { timeout: 20_000 });
  await chat.screenshot(testInfo, "attachments-sent");

  // The model was sent the picture's very bytes and the notes as text under their name.
  const [upstream] = gateway.requests;
  if (!upstream) throw new Error("no upstream request");
  const parts = lastUserParts(upstream);
  expect(parts[0]).toEqual({ type: "text", text: "What do these show?" });
  expect(parts[1]).toEqual({
    type: "image_url",
    image_url: { url: `data:image/png;base64,${image.base64}` },
  });
  const text = parts[2] as Extract<UpstreamPart, { type: "text" }>;
  expect(text.text.startsWith("File notes.md:\n```\n# Trip notes")).toBe(true);

  // The chip downloads the file as it was sent.
  const [download] = await Promise.all([page.waitForEvent("download"), chip.click()]);
  expect(download.suggestedFilename()).toBe("notes.md");
  expect(readFileSync(await download.path(), "utf8")).toBe(NOTES);

  // Opened on its own, the picture shows as an image.
  const href = (await thumbnail.getAttribute("href")) ?? "";
  const tab = await page.context().newPage();
  await tab.goto(href);
  await expect.poll(() => tab.evaluate(() => document.images[0]?.naturalWidth ?? 0)).toBe(320);
  await tab.close();

  // Someone reading along through the share link sees the picture too.
  await page.getByTestId("share-button").click();
  const shareUrl = (await page.getByTestId("share-url").getAttribute("href")) ?? "";
  const viewer = await browser.newContext();
  const viewerPage = await viewer.newPage();
  await viewerPage.goto(shareUrl);
  const seen = viewerPage.locator('[data-testid="attachment"][data-kind="image"] img');
  await expect(seen).toHaveJSProperty("naturalWidth", 320);
  await viewer.close();
});

test("an agent that cannot see images is named before the image is sent to it", async ({
  chat,
  page,
}, testInfo) => {
  await chat.openNewChat();
  await chat.agentPicker.selectOption({ label: "Blind" });
  await pasteFiles(chat.composer, [image]);
  const warning = page.getByTestId("vision-warning");
  await expect(warning).toContainText("Blind cannot see images");
  await expect(page.getByTestId("pending-attachment")).toHaveAttribute("data-state", "ready");
  await chat.composer.fill("What is this?");
  await expect(chat.sendButton).toBeDisabled();
  await chat.screenshot(testInfo, "vision-warning");

  // Another agent can see it; without the image, Blind can read the text.
  await chat.agentPicker.selectOption({ label: "Atlas" });
  await expect(warning).toHaveCount(0);
  await expect(chat.sendButton).toBeEnabled();
  await chat.agentPicker.selectOption({ label: "Blind" });
  await page.getByRole("button", { name: "Remove route.png" }).click();
  await expect(warning).toHaveCount(0);
  await expect(chat.sendButton).toBeEnabled();

  // The picker takes text files, which any agent can read.
  await page.getByTestId("attachment-input").setInputFiles({
    name: "todo.txt",
    mimeType: "text/plain",
    buffer: Buffer.from("pack"),
  });
  await expect(page.getByTestId("pending-attachment")).toHaveAttribute("data-state", "ready");
  await expect(warning).toHaveCount(0);
});

test("a file the server refuses says why in its chip, and is not sent", async ({
  chat,
  page,
  pageErrors,
}) => {
  await chat.openNewChat();
  await page.getByTestId("attachment-input").setInputFiles({
    name: "setup.exe",
    mimeType: "application/octet-stream",
    buffer: Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00]),
  });
  const chip = page.getByTestId("pending-attachment");
  await expect(chip).toHaveAttribute("data-state", "failed");
  await expect(chip).toContainText("Only images (PNG, JPEG, WebP, GIF), PDFs and text files");
  await expect(chat.sendButton).toBeDisabled();
  // Chromium reports the refusal (415) on the console; that one is expected.
  expectConsoleErrors(pageErrors, /status of 415/);
});

test("the owner downloads the conversation as Markdown and as JSON", async ({
  chat,
  gateway,
  page,
}, testInfo) => {
  gateway.setDefault({ tokens: ["Pack", " light."] });
  await chat.openNewChat();
  await chat.send("Packing list for Lisbon?");
  await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "complete", { timeout: 20_000 });

  await page.getByTestId("export-button").click();
  await expect(page.getByTestId("export-md")).toBeVisible();
  await chat.screenshot(testInfo, "export-menu");
  const [markdown] = await Promise.all([
    page.waitForEvent("download"),
    page.getByTestId("export-md").click(),
  ]);
  expect(markdown.suggestedFilename()).toBe("packing-list-for-lisbon.md");
  const text = readFileSync(await markdown.path(), "utf8");
  expect(text).toMatch(/^# Packing list for Lisbon\?\n/);
  expect(text).toContain("Pack light.");

  await page.getByTestId("export-button").click();
  const [json] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-json").click()]);
  expect(json.suggestedFilename()).toBe("packing-list-for-lisbon.json");
  const exported = JSON.parse(readFileSync(await json.path(), "utf8")) as { id: string; messages: unknown[] };
  expect(exported.id).toBe(chat.conversationId());
  expect(exported.messages).toHaveLength(2);
});
