import type { ReactNode } from "react";
import { ConversationsProvider } from "@/app/_components/conversations";
import { Sidebar } from "@/app/_components/sidebar";
import { loadOwnConversations } from "@/app/_lib/chat-data";

/** The owner's screens: the conversation list beside the chat. */
export default async function ChatLayout({ children }: { children: ReactNode }) {
  const conversations = await loadOwnConversations();
  return (
    <ConversationsProvider initial={conversations}>
      <div className="flex h-dvh overflow-hidden">
        <Sidebar />
        <div className="flex min-w-0 flex-1 flex-col">{children}</div>
      </div>
    </ConversationsProvider>
  );
}
