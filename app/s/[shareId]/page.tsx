import type { Metadata } from "next";
import { ChatView } from "@/app/_components/chat-view";
import { chatPageContext, loadSharedConversation } from "@/app/_lib/chat-data";

type Props = { params: Promise<{ shareId: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { shareId } = await params;
  const { snapshot } = await loadSharedConversation(shareId);
  return { title: snapshot.conversation.title, robots: { index: false } };
}

export default async function SharedConversationPage({ params }: Props) {
  const { shareId } = await params;
  const { snapshot } = await loadSharedConversation(shareId);
  const { agents, modelLabel } = chatPageContext();
  return (
    <ChatView mode="shared" agents={agents} modelLabel={modelLabel} initial={snapshot} shareId={shareId} />
  );
}
