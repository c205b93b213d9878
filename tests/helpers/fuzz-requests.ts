import fc from "fast-check";
import { type Endpoint, type HttpCase, ID_SLOT } from "./fuzz-http";
import {
  anyValue,
  type FuzzFixture,
  headerSafe,
  hugeString,
  idLike,
  idSegment,
  oddString,
  pathSafe,
  structuredPayload,
} from "./fuzz-inputs";

export type HttpIdentities = { ownerCookie: string; otherCookie: string; origin: string; host: string };

const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 3 });

function cookieHeader(identities: HttpIdentities) {
  const valid = [identities.ownerCookie, identities.otherCookie];
  const token = identities.ownerCookie.slice("sid=".length);
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...valid) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        "sid=%E0%A4%A",
        "sid=%",
        "sid=",
        "sid",
        "=",
        ";;;",
        "sid=u_forged.AAAA",
        `sid=${token.slice(0, -1)}A`,
        `sid=${token}.extra`,
        `sid="${token}"`,
        `sid=${encodeURIComponent(token)}`,
        `sid=garbage; ${identities.ownerCookie}`,
        `${identities.ownerCookie}; sid=garbage`,
        `SID=${token}`,
        `sid=${"a".repeat(8_000)}.${"b".repeat(43)}`,
      ),
    },
    {
      weight: 2,
      arbitrary: fc
        .array(fc.tuple(fc.string({ maxLength: 12 }), fc.string({ unit: "binary", maxLength: 40 })), {
          minLength: 1,
          maxLength: 120,
        })
        .map((pairs) => headerSafe(pairs.map(([name, value]) => `${name}=${value}`).join("; "))),
    },
    {
      weight: 1,
      arbitrary: fc.string({ unit: "binary", maxLength: 200 }).map((value) => headerSafe(`sid=${value}`)),
    },
  );
}

/** Origin-like values: the app's own, other sites, opaque, and nonsense. */
export function originHeader(origin: string) {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(origin) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        "null",
        "http://evil.example",
        `${origin}/`,
        `${origin}.evil.example`,
        origin.replace("http:", "https:"),
        origin.toUpperCase(),
        `${origin}, http://evil.example`,
        `http://evil.example, ${origin}`,
        "",
        " ",
        "file://",
      ),
    },
    { weight: 1, arbitrary: fc.webUrl().map(headerSafe) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 60 }).map(headerSafe) },
  );
}

const fetchSite = fc.constantFrom(
  "same-origin",
  "same-site",
  "cross-site",
  "none",
  "",
  "SAME-ORIGIN",
  "bogus",
);

const contentType = fc.oneof(
  { weight: 4, arbitrary: fc.constant("application/json") },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "application/json; charset=utf-8",
      "APPLICATION/JSON",
      "application/json;charset=latin1",
      "text/plain",
      "text/plain;charset=UTF-8",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=----x",
      "application/octet-stream",
      "application/json, text/plain",
      "",
      ";",
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }).map(headerSafe) },
);

/** A body the routes would take, one field at a time right or wrong. */
function nearlyValidBody(fixture: FuzzFixture) {
  const right = <T>(valid: fc.Arbitrary<T>) =>
    fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: idLike(fixture) });
  return fc
    .record(
      {
        title: right(fc.constantFrom("Renamed", "x")),
        visibility: right(fc.constantFrom("public", "private")),
        text: right(fc.constantFrom("hello", "more please")),
        agentIds: right(fc.subarray(fixture.agentIds, { minLength: 1 })),
        clientMessageId: right(fc.uuid()),
        messageId: right(fc.constantFrom(...fixture.messageIds)),
      },
      { requiredKeys: [] },
    )
    .map((value) => JSON.stringify(value));
}

function body(fixture: FuzzFixture) {
  return fc.oneof(
    { weight: 5, arbitrary: nearlyValidBody(fixture) },
    { weight: 5, arbitrary: structuredPayload(fixture).map((value) => JSON.stringify(value)) },
    { weight: 2, arbitrary: anyValue.map((value) => JSON.stringify(value) ?? "") },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "",
        "{",
        "[",
        '{"text":',
        '{"text":"hello"',
        "null",
        "true",
        "0",
        '""',
        "[]",
        '{"__proto__":{"polluted":true},"text":"hello"}',
        '{"constructor":{"prototype":{"polluted":true}},"title":"x"}',
        '{"text":"\\u0000"}',
        '{"text":"\\ud800"}',
        "\u0000",
        "\ufeff{}",
        '{"title":"a","title":"b"}',
      ),
    },
    { weight: 1, arbitrary: oddString },
    { weight: 1, arbitrary: hugeString },
    { weight: 1, arbitrary: hugeString.map((text) => JSON.stringify({ text, title: text })) },
  );
}

function path(fixture: FuzzFixture, templates: string[]) {
  const segment = idSegment(fixture);
  const fromTemplate = fc
    .tuple(fc.constantFrom(...templates), segment, segment)
    .map(([template, first, second]) => {
      let slot = 0;
      return template.replace(ID_SLOT, () => (slot++ === 0 ? first : second));
    });
  const randomPath = fc
    .array(fc.oneof(segment, fc.string({ unit: "binary", maxLength: 12 }).map(pathSafe)), { maxLength: 6 })
    .map((segments) => `/${segments.join("/")}`);
  const query = fc.oneof(
    { weight: 4, arbitrary: fc.constant("") },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "?format=md",
        "?format=json",
        "?format=%00",
        "?EIO=4&transport=polling",
        "?EIO=3&transport=websocket",
        "?%",
        "?a=%E0%A4%A",
        "?__proto__[polluted]=1",
        "?_rsc=1",
      ),
    },
    {
      weight: 1,
      arbitrary: fc.string({ unit: "binary", maxLength: 40 }).map((value) => `?${pathSafe(value)}`),
    },
  );
  return fc
    .tuple(fc.oneof({ weight: 4, arbitrary: fromTemplate }, { weight: 1, arbitrary: randomPath }), query)
    .map(([pathname, search]) => `${pathname}${search}`);
}

type RequestFields = {
  method: string;
  path: string;
  cookie?: string;
  origin?: string;
  fetchSite?: string;
  contentType?: string;
  host?: string;
  forwardedHost?: string;
  forwardedProto?: string;
  forwardedFor?: string;
  body?: string;
  chunked: boolean;
};

function wildFields(fixture: FuzzFixture, templates: string[], identities: HttpIdentities) {
  return fc.record<RequestFields>({
    method: fc.constantFrom("GET", "POST", "PATCH", "DELETE", "PUT", "HEAD", "OPTIONS"),
    path: path(fixture, templates),
    cookie: maybe(cookieHeader(identities)),
    origin: maybe(originHeader(identities.origin)),
    fetchSite: maybe(fetchSite),
    contentType: maybe(contentType),
    host: maybe(
      fc.constantFrom(
        identities.host,
        "evil.example",
        "",
        "[::1",
        "a b",
        "127.0.0.1:0",
        "%",
        "x".repeat(300),
      ),
    ),
    forwardedHost: maybe(fc.constantFrom(identities.host, "evil.example", "a b", "%", "[::1", "", ",")),
    forwardedProto: maybe(fc.constantFrom("https", "http", "ht tp", "", "javascript", "https, http")),
    forwardedFor: maybe(fc.constantFrom("1.2.3.4", "::1", "garbage", "1.2.3.4, 5.6.7.8", "", "999.999.1.1")),
    body: maybe(body(fixture)),
    chunked: fc.boolean(),
  });
}

/**
 * What the app's own page would send to one of its endpoints: the owner's
 * cookie, its origin, JSON, a real id; behind a proxy now and then.
 */
function plausibleFields(fixture: FuzzFixture, endpoints: Endpoint[], identities: HttpIdentities) {
  const ids = fc.constantFrom(...fixture.ownConversationIds, fixture.otherConversationId, fixture.shareId);
  const proxied = <T>(arbitrary: fc.Arbitrary<T>) =>
    fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
  return fc
    .record({
      // Writes weigh double: they are where input is parsed, stored and echoed.
      endpoint: fc.oneof(
        { weight: 1, arbitrary: fc.constantFrom(...endpoints.filter((e) => e.method === "GET")) },
        { weight: 2, arbitrary: fc.constantFrom(...endpoints.filter((e) => e.method !== "GET")) },
      ),
      id: ids,
      cookie: fc.constantFrom(identities.ownerCookie, identities.ownerCookie, identities.otherCookie),
      origin: fc.option(fc.constant(identities.origin), { nil: undefined }),
      fetchSite: fc.option(fc.constant("same-origin"), { nil: undefined }),
      forwardedHost: proxied(fc.constantFrom(identities.host, "evil.example", "a b", "%", "[::1", "", ",")),
      forwardedProto: proxied(fc.constantFrom("https", "http", "ht tp", "", "javascript", "https, http")),
      body: nearlyValidBody(fixture),
      chunked: fc.boolean(),
    })
    .map(
      ({ endpoint, id, ...fields }): RequestFields => ({
        ...fields,
        method: endpoint.method,
        path: endpoint.template.replace(ID_SLOT, encodeURIComponent(id)),
        contentType: "application/json",
        body: endpoint.method === "GET" ? undefined : fields.body,
      }),
    );
}

const FIELDS: Array<keyof RequestFields> = [
  "method",
  "path",
  "cookie",
  "origin",
  "fetchSite",
  "contentType",
  "host",
  "forwardedHost",
  "forwardedProto",
  "forwardedFor",
  "body",
  "chunked",
];

function toCase(input: RequestFields): HttpCase {
  const headers: Record<string, string> = {};
  if (input.cookie !== undefined) headers.cookie = input.cookie;
  if (input.origin !== undefined) headers.origin = input.origin;
  if (input.fetchSite !== undefined) headers["sec-fetch-site"] = input.fetchSite;
  if (input.contentType !== undefined) headers["content-type"] = input.contentType;
  if (input.host !== undefined) headers.host = input.host;
  if (input.forwardedHost !== undefined) headers["x-forwarded-host"] = input.forwardedHost;
  if (input.forwardedProto !== undefined) headers["x-forwarded-proto"] = input.forwardedProto;
  if (input.forwardedFor !== undefined) headers["x-forwarded-for"] = input.forwardedFor;
  // A body sent with HEAD would be read as the next request on the connection.
  const body = input.method === "HEAD" ? undefined : input.body;
  return {
    method: input.method,
    path: input.path,
    headers,
    body,
    chunked: body !== undefined && input.chunked,
  };
}

/**
 * One request to any route or none, with any method, identity, origin,
 * content type and body: wholly random, or what the app itself would send
 * with up to two fields taken from a random one, so that input also gets
 * past the guards into the route handlers.
 */
export function httpCase(
  fixture: FuzzFixture,
  templates: string[],
  endpoints: Endpoint[],
  identities: HttpIdentities,
) {
  const wild = wildFields(fixture, templates, identities);
  const nearlyRight = fc
    .tuple(plausibleFields(fixture, endpoints, identities), wild, fc.subarray(FIELDS, { maxLength: 2 }))
    .map(([plausible, random, swapped]) => {
      const fields: RequestFields = { ...plausible };
      for (const field of swapped) Object.assign(fields, { [field]: random[field] });
      return fields;
    });
  return fc.oneof({ weight: 1, arbitrary: wild }, { weight: 2, arbitrary: nearlyRight }).map(toCase);
}
