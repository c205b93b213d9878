/**
 * Calls `onData` with each `data:` payload of a server-sent-event stream, in
 * order, `[DONE]` left out. A callback rather than a generator, so the floor
 * pays no promise per event.
 */
export async function forEachSseData(
  body: AsyncIterable<Uint8Array>,
  onData: (data: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const bytes of body) {
    buffered += decoder.decode(bytes, { stream: true });
    let end = buffered.indexOf("\n\n");
    while (end >= 0) {
      const event = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      end = buffered.indexOf("\n\n");
      if (event.startsWith("data: ") && event !== "data: [DONE]") onData(event.slice(6));
    }
  }
}
