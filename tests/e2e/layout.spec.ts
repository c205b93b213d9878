import { expect, test } from "./fixtures";

const answer = [
  "Here is a longer answer so the layout has something to hold.",
  "",
  "It spans several paragraphs, with a very-long-unbroken-identifier-that-must-wrap-instead-of-overflowing",
  "and ordinary sentences after it, the way a real model answers.",
].join("\n");

for (const viewport of [
  { name: "desktop", width: 1280, height: 800 },
  { name: "mobile", width: 375, height: 740 },
  { name: "dark desktop", width: 1280, height: 800, dark: true },
]) {
  test(`the chat fits a ${viewport.name} screen without sideways scrolling`, async ({
    chat,
    gateway,
    page,
  }, testInfo) => {
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    await page.emulateMedia({ colorScheme: "dark" in viewport ? "dark" : "light" });
    gateway.setDefault({ tokens: answer.split(/(?<= )/), tokenDelayMs: 10 });

    await chat.openNewChat();
    await chat.screenshot(testInfo, `${viewport.name.replace(" ", "-")}-new-chat`);
    await chat.send("How does the layout hold up with a long answer?");
    await expect(chat.messages).toHaveCount(2);
    await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "complete");
    await chat.send("And a second question, to see two turns.");
    await expect(chat.messages).toHaveCount(4);
    await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "complete");
    await chat.screenshot(testInfo, `${viewport.name.replace(" ", "-")}-conversation`);

    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
}

test("on a 375 px screen the conversation list is a drawer that opens from the header and closes with Esc", async ({
  chat,
  gateway,
  page,
}, testInfo) => {
  await page.setViewportSize({ width: 375, height: 740 });
  gateway.setDefault({ tokens: ["Short", " answer."], tokenDelayMs: 10 });
  await chat.openNewChat();
  await chat.send("Hello from a phone.");
  await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "complete");

  const sidebar = page.getByTestId("sidebar");
  await expect(sidebar).not.toBeInViewport();
  await page.getByTestId("sidebar-toggle").click();
  await expect(sidebar).toBeInViewport();
  await expect(sidebar.getByTestId("conversation-item")).toHaveCount(1);
  // The drawer takes the keyboard: focus moves into it.
  await expect(sidebar.getByTestId("new-chat")).toBeFocused();
  await chat.screenshot(testInfo, "mobile-drawer");
  await page.keyboard.press("Escape");
  await expect(sidebar).not.toBeInViewport();
});
