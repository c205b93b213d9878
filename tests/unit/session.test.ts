import { describe, expect, it } from "vitest";
import { identify } from "@/lib/auth/identity";
import { createSessionToken, readCookie, verifySessionToken } from "@/lib/auth/session";

const secret = "x".repeat(32);

describe("session tokens", () => {
  it("prove the user id they were made for", () => {
    expect(verifySessionToken(createSessionToken("u_1", secret), secret)).toBe("u_1");
  });

  it.each([
    ["a forged signature", `u_1.${"A".repeat(43)}`],
    ["another user's id", createSessionToken("u_1", secret).replace("u_1", "u_2")],
    ["no signature", "u_1"],
    ["nothing", ""],
  ])("reject %s", (_name, token) => {
    expect(verifySessionToken(token, secret)).toBeNull();
  });

  it("reject a token signed with another secret", () => {
    expect(verifySessionToken(createSessionToken("u_1", "y".repeat(32)), secret)).toBeNull();
  });

  it("are read from a Cookie header among others", () => {
    expect(readCookie("a=1; sid=abc.def; b=2", "sid")).toBe("abc.def");
    expect(readCookie("a=1", "sid")).toBeUndefined();
  });

  it.each(["%E0%A4%A", "%", "%zz", "abc%E0"])(
    "count as absent when the value %s is not well-formed",
    (value) => {
      expect(readCookie(`a=1; sid=${value}; b=2`, "sid")).toBeUndefined();
      expect(identify({ cookie: `sid=${value}` }, { sessionSecret: secret })).toBeNull();
    },
  );

  it("are percent-decoded when well-formed", () => {
    expect(readCookie("sid=u_1.a%2Bb", "sid")).toBe("u_1.a+b");
  });
});
