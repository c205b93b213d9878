/**
 * Open connections per identity and per address, counted in this process:
 * the limits protect this node's file descriptors, so each replica keeps its
 * own count and a client may hold the limit on every replica.
 */
export class ConnectionSlots {
  private readonly byUser = new Map<string, number>();
  private readonly byAddress = new Map<string, number>();

  constructor(private readonly max: { perUser: number; perAddress: number }) {}

  /**
   * Takes one slot of the identity and one of the address, or neither when
   * either is full. Returns the function that gives them back (once, however
   * often it is called), or null when refused.
   */
  take(userId: string, address: string): (() => void) | null {
    if ((this.byUser.get(userId) ?? 0) >= this.max.perUser) return null;
    if ((this.byAddress.get(address) ?? 0) >= this.max.perAddress) return null;
    add(this.byUser, userId, 1);
    add(this.byAddress, address, 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      add(this.byUser, userId, -1);
      add(this.byAddress, address, -1);
    };
  }

  /** The slots held now, for one identity and one address. */
  held(input: { userId?: string; address?: string }): { user: number; address: number } {
    return {
      user: input.userId === undefined ? 0 : (this.byUser.get(input.userId) ?? 0),
      address: input.address === undefined ? 0 : (this.byAddress.get(input.address) ?? 0),
    };
  }
}

function add(counts: Map<string, number>, key: string, delta: number): void {
  const next = (counts.get(key) ?? 0) + delta;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}
