import type { Metadata } from "next";
import { ChatView } from "@/app/_components/chat-view";
import { chatPageContext, loadOwnConversation } from "@/app/_lib/chat-data";

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { id } = await params;
  const { snapshot } = await loadOwnConversation(id);
  return { title: snapshot.conversation.title };
}

export default async function ConversationPage({ params }: Props) {
  const { id } = await params;
  const { snapshot, shareId } = await loadOwnConversation(id);
  const { agents, modelLabel, attachmentMaxBytes } = chatPageContext();
  return (
    <ChatView
      // Opening another conversation starts a fresh view, not this one's state.
      key={id}
      mode="owner"
      agents={agents}
      modelLabel={modelLabel}
      initial={snapshot}
      shareUrl={shareId ? `/s/${encodeURIComponent(shareId)}` : null}
      attachmentMaxBytes={attachmentMaxBytes}
    />
  );
}
