/**
 * A random id for clientMessageId. crypto.randomUUID exists only in secure
 * contexts, and the app is often opened over plain http on a LAN address.
 */
export function newClientId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `c_${Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}
