import { connection } from "next/server";
import { ChatView } from "@/app/_components/chat-view";
import { chatPageContext } from "@/app/_lib/chat-data";

export default async function NewChatPage() {
  // The roster and model come from the running server, never from build time.
  await connection();
  const { agents, modelLabel, attachmentMaxBytes } = chatPageContext();
  return (
    <ChatView
      mode="owner"
      agents={agents}
      modelLabel={modelLabel}
      initial={null}
      shareUrl={null}
      attachmentMaxBytes={attachmentMaxBytes}
    />
  );
}
