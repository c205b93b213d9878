import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Server-side singletons (database, Socket.IO, runs) are created by server.ts
  // and shared with route handlers through globalThis; these packages must stay
  // plain Node modules rather than bundled copies.
  serverExternalPackages: ["@electric-sql/pglite", "pg", "socket.io", "pino", "drizzle-orm"],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
