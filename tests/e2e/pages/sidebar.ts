import { expect, type Locator, type Page } from "@playwright/test";

/** The conversation list beside the chat (a drawer on narrow screens). */
export class Sidebar {
  readonly root: Locator;
  readonly items: Locator;
  readonly newChat: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId("sidebar");
    this.items = this.root.getByTestId("conversation-item");
    this.newChat = this.root.getByTestId("new-chat");
  }

  item(conversationId: string): Locator {
    return this.root.locator(`[data-testid="conversation-item"][data-conversation-id="${conversationId}"]`);
  }

  async rename(conversationId: string, title: string): Promise<void> {
    const item = this.item(conversationId);
    await item.hover();
    await item.getByTestId("conversation-rename").click();
    const input = item.getByTestId("conversation-title-input");
    await expect(input).toBeFocused();
    await input.fill(title);
    await input.press("Enter");
    await expect(item).toContainText(title);
  }

  async delete(conversationId: string): Promise<void> {
    const item = this.item(conversationId);
    await item.hover();
    await item.getByTestId("conversation-delete").click();
    await item.getByTestId("conversation-delete-confirm").click();
    await expect(item).toHaveCount(0);
  }
}
