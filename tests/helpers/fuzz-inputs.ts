import fc from "fast-check";

/** Real ids the fuzzer mixes into random input, so some requests reach past validation. */
export type FuzzFixture = {
  /** The owner's conversations (the owner's socket and cookie can act on them). */
  ownConversationIds: string[];
  /** A conversation of another identity. */
  otherConversationId: string;
  shareId: string;
  messageIds: string[];
  agentIds: string[];
};

// Control and format characters, lone surrogates, separators: what ids and texts must refuse or survive.
const ODD_CHARACTERS = [
  "\u0000",
  "\u0001",
  "\u0007",
  "\b",
  "\t",
  "\n",
  "\r",
  "\u001b",
  "\u007f",
  "\u0085",
  "\u00a0",
  "\u200b",
  "\u200e",
  "\u2028",
  "\ufeff",
  "\ud800",
  "\udfff",
  "\uffff",
];

const ODD_STRINGS = [
  "",
  " ",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "../../etc/passwd",
  "%00",
  "%",
  "%E0%A4%A",
  "'; DROP TABLE conversations; --",
  "null",
  "undefined",
  "NaN",
  "$where",
  "<script>alert(1)</script>",
  "😀",
  "e\u0301",
];

export const oddString = fc
  .array(fc.oneof(fc.constantFrom(...ODD_CHARACTERS), fc.string({ maxLength: 4 })), { maxLength: 8 })
  .map((parts) => parts.join(""));

/** Up to ~40 KB of one repeated unit, cut anywhere (even inside a surrogate pair). */
export const hugeString = fc
  .tuple(
    fc.constantFrom("a", "é", "😀", "\u0000", " ", "%", "x\n", '{"'),
    fc.integer({ min: 1_000, max: 40_000 }),
  )
  .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length));

/** Arrays or objects nested up to 1,000 deep. */
export const deepValue = fc
  .tuple(fc.integer({ min: 20, max: 1_000 }), fc.boolean())
  .map(([depth, asArray]) => {
    let value: unknown = "bottom";
    for (let level = 0; level < depth; level++) value = asArray ? [value] : { a: value };
    return value;
  });

/** Any JSON-serialisable value (no BigInt: the client could not send it). */
export const anyValue = fc.anything({
  maxDepth: 3,
  maxKeys: 6,
  withNullPrototype: true,
  withDate: true,
  withSparseArray: true,
  withBoxedValues: true,
  stringUnit: "binary",
});

export const primitive = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 2 ** 53, Number.MAX_VALUE, Number.NaN, Number.POSITIVE_INFINITY),
);

/** Something in the place of an id: the real thing, near misses, and anything at all. */
export function idLike(fixture: FuzzFixture) {
  const real = [
    ...fixture.ownConversationIds,
    fixture.otherConversationId,
    fixture.shareId,
    ...fixture.messageIds,
    ...fixture.agentIds,
  ];
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...real) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 24 }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 24 }) },
    { weight: 1, arbitrary: fc.constantFrom(...ODD_STRINGS) },
    { weight: 1, arbitrary: oddString },
    { weight: 1, arbitrary: fc.string({ unit: "binary-ascii", minLength: 126, maxLength: 130 }) },
    { weight: 1, arbitrary: hugeString },
    { weight: 1, arbitrary: primitive },
    { weight: 1, arbitrary: anyValue },
  );
}

/** Something in the place of a message text or a title. */
export const textLike = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom("hello", "Hi there", "What is 2 + 2?") },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(...ODD_STRINGS, "   ", "\n\t", "a".repeat(32_000), "a".repeat(32_001)),
  },
  { weight: 1, arbitrary: oddString },
  { weight: 1, arbitrary: hugeString },
  { weight: 1, arbitrary: primitive },
  { weight: 1, arbitrary: anyValue },
);

/** Adds keys that pollute prototypes when merged carelessly; set as own properties, so they are sent. */
function withPollution(value: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const polluted: Record<string, unknown> = { ...value };
  for (const key of keys) {
    const payload = key === "constructor" ? { prototype: { polluted: true } } : { polluted: true };
    Object.defineProperty(polluted, key, {
      value: payload,
      enumerable: true,
      configurable: true,
      writable: true,
    });
  }
  return polluted;
}

const pollutionKeys = fc.subarray(["__proto__", "constructor", "prototype"]);

/** A payload shaped like the protocol's, every field optional and each one right, wrong or absurd. */
export function structuredPayload(fixture: FuzzFixture) {
  const id = idLike(fixture);
  const agentIds = fc.oneof(
    fc.subarray(fixture.agentIds, { minLength: 1 }),
    fc.array(id, { maxLength: 12 }),
    id,
  );
  return fc
    .tuple(
      fc.record(
        {
          conversationId: id,
          shareId: id,
          messageId: id,
          text: textLike,
          agentIds,
          agentId: id,
          clientMessageId: fc.oneof(fc.uuid(), id),
          toolCallId: id,
          approved: fc.oneof(fc.boolean(), primitive, anyValue),
          mode: fc.oneof(fc.constantFrom("sequential", "parallel"), id),
          attachmentIds: fc.oneof(fc.array(id, { maxLength: 4 }), id),
          title: textLike,
          visibility: fc.oneof(fc.constantFrom("private", "public"), id),
          extra: fc.oneof(anyValue, deepValue, hugeString),
        },
        { requiredKeys: [] },
      ),
      pollutionKeys,
    )
    .map(([value, keys]) => withPollution(value, keys));
}

/** The whole range of what a payload may be. */
export function anyPayload(fixture: FuzzFixture) {
  return fc.oneof(
    { weight: 6, arbitrary: structuredPayload(fixture) },
    { weight: 2, arbitrary: anyValue },
    { weight: 1, arbitrary: primitive },
    { weight: 1, arbitrary: deepValue },
    { weight: 1, arbitrary: hugeString },
    { weight: 1, arbitrary: fc.array(structuredPayload(fixture), { maxLength: 3 }) },
  );
}

/** Percent-encodes one code point; a lone surrogate becomes the (invalid) UTF-8 bytes it would take. */
function percentEncode(character: string): string {
  try {
    return encodeURIComponent(character);
  } catch {
    return "%ED%A0%80";
  }
}

/** Percent-encodes a whole string, lone surrogates included. */
export const encodeAll = (value: string) => Array.from(value, percentEncode).join("");

/** Node refuses to send header values with other characters, so encode them as percent escapes. */
export function headerSafe(value: string): string {
  return value.replace(/[^\t\x20-\x7e\x80-\xff]/gu, percentEncode);
}

/** A request target Node will write as it is: bytes 0x21–0xFF, the rest percent-encoded. */
export function pathSafe(value: string): string {
  return value.replace(/[^\x21-\xff]/gu, percentEncode);
}

/** One path segment where an id belongs. */
export function idSegment(fixture: FuzzFixture) {
  return fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...fixture.ownConversationIds, fixture.otherConversationId) },
    { weight: 2, arbitrary: fc.constantFrom(fixture.shareId, ...fixture.messageIds) },
    { weight: 2, arbitrary: fc.uuid() },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "%00",
        "%",
        "%ZZ",
        "%E0%A4%A",
        "%C0%AF",
        "%2F",
        "%2e%2e",
        "..",
        ".",
        "%FF%FE",
        "%u0000",
        "%F0%9F%98%80",
        "%EF%BB%BF",
        "\u00e9",
        "\u00ff",
      ),
    },
    { weight: 2, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 30 }).map(encodeAll) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 30 }).map(pathSafe) },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: 20_000 }).map((length) => "x".repeat(length)) },
  );
}

const REMOVE = Symbol("remove");

/** A valid payload for `event` (SPEC §3) with up to two fields broken, removed or added. */
export function nearlyValidPayload(fixture: FuzzFixture, event: string) {
  const own = fc.constantFrom(...fixture.ownConversationIds);
  const message = fc.constantFrom(...fixture.messageIds);
  const text = fc.constantFrom("hello", "Tell me more", "ok");
  const agents = fc.subarray(fixture.agentIds, { minLength: 1 });
  const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
  const templates: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
    join_conversation: fc.oneof(
      fc.record({ conversationId: own }),
      fc.record({ shareId: fc.constant(fixture.shareId) }),
    ),
    leave_conversation: fc.record({ conversationId: own }),
    send_message: fc.record(
      {
        conversationId: own,
        text,
        // A few shared ids: retries, and the same id from another identity or for another conversation.
        clientMessageId: fc.oneof(fc.uuid(), fc.constantFrom("cm-fuzz-1", "cm-fuzz-2")),
        agentIds: agents,
        mode: fc.constantFrom("sequential", "parallel"),
      },
      { requiredKeys: ["text", "clientMessageId"] },
    ),
    cancel_processing: fc.record({ conversationId: own, messageId: optional(message) }),
    remove_message: fc.record({ conversationId: own, messageId: message }),
    approve_tool_call: fc.record({
      conversationId: own,
      messageId: message,
      toolCallId: fc.uuid(),
      approved: fc.boolean(),
    }),
    edit_message: fc.record({ conversationId: own, messageId: message, text, clientMessageId: fc.uuid() }),
    regenerate: fc.record(
      {
        conversationId: own,
        messageId: message,
        agentId: fc.constantFrom(...fixture.agentIds),
        clientMessageId: fc.uuid(),
      },
      { requiredKeys: ["conversationId", "messageId", "clientMessageId"] },
    ),
    switch_branch: fc.record({ conversationId: own, messageId: message }),
  };
  // Not templates[event]: an event named "toString" would find Object.prototype's.
  const template = Object.hasOwn(templates, event) ? templates[event] : undefined;
  const key = fc.constantFrom(
    "conversationId",
    "shareId",
    "messageId",
    "text",
    "clientMessageId",
    "agentIds",
    "agentId",
    "mode",
    "approved",
    "toolCallId",
    "extra",
  );
  const value = fc.oneof(
    fc.constant<typeof REMOVE>(REMOVE),
    idLike(fixture),
    textLike,
    anyValue,
    deepValue,
    primitive,
  );
  return fc
    .tuple(
      template ?? fc.record({ conversationId: own }),
      fc.array(fc.tuple(key, value), { maxLength: 2 }),
      fc.oneof({ weight: 4, arbitrary: fc.constant<string[]>([]) }, { weight: 1, arbitrary: pollutionKeys }),
    )
    .map(([valid, changes, keys]) => {
      const payload: Record<string, unknown> = { ...valid };
      for (const [name, change] of changes) {
        if (change === REMOVE) delete payload[name];
        else payload[name] = change;
      }
      for (const name of Object.keys(payload)) if (payload[name] === undefined) delete payload[name];
      return withPollution(payload, keys);
    });
}
