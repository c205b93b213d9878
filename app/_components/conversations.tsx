"use client";

import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import type { ConversationSummary } from "@/lib/protocol";

type ApiError = { error?: { message?: string } };

async function request<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(path, {
    ...init,
    headers: { "content-type": "application/json", ...init?.headers },
    credentials: "same-origin",
  });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as ApiError;
    throw new Error(body.error?.message ?? `The server answered ${response.status}.`);
  }
  return (response.status === 204 ? undefined : await response.json()) as T;
}

export type ConversationsController = {
  conversations: ConversationSummary[];
  /** Reads the list again from the server. */
  refresh: () => Promise<void>;
  rename: (id: string, title: string) => Promise<void>;
  remove: (id: string) => Promise<void>;
  /** The conversation on screen, which may have got its id after the page loaded. */
  activeId: string | null;
  setActiveId: (id: string | null) => void;
  /** The sidebar drawer on narrow screens. */
  drawerOpen: boolean;
  setDrawerOpen: (open: boolean) => void;
};

const ConversationsContext = createContext<ConversationsController | null>(null);

/** The owner's conversations, shared by the sidebar and the chat that adds to them. */
export function ConversationsProvider({
  initial,
  children,
}: {
  initial: ConversationSummary[];
  children: ReactNode;
}) {
  const [conversations, setConversations] = useState(initial);
  const [drawerOpen, setDrawerOpen] = useState(false);
  const [activeId, setActiveId] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    const { conversations } = await request<{ conversations: ConversationSummary[] }>("/api/conversations");
    setConversations(conversations);
  }, []);

  const rename = useCallback(async (id: string, title: string) => {
    const updated = await request<ConversationSummary>(`/api/conversations/${encodeURIComponent(id)}`, {
      method: "PATCH",
      body: JSON.stringify({ title }),
    });
    setConversations((list) =>
      list.map((item) => (item.id === id ? { ...item, title: updated.title } : item)),
    );
  }, []);

  const remove = useCallback(async (id: string) => {
    await request(`/api/conversations/${encodeURIComponent(id)}`, { method: "DELETE" });
    setConversations((list) => list.filter((item) => item.id !== id));
  }, []);

  // Another tab may have added or renamed one.
  useEffect(() => {
    const onFocus = () => void refresh().catch(() => {});
    window.addEventListener("focus", onFocus);
    return () => window.removeEventListener("focus", onFocus);
  }, [refresh]);

  const value = useMemo(
    () => ({ conversations, refresh, rename, remove, activeId, setActiveId, drawerOpen, setDrawerOpen }),
    [conversations, refresh, rename, remove, activeId, drawerOpen],
  );
  return <ConversationsContext.Provider value={value}>{children}</ConversationsContext.Provider>;
}

/** Null where there is no sidebar (a shared conversation's read-only page). */
export function useConversations(): ConversationsController | null {
  return useContext(ConversationsContext);
}
