import { fileURLToPath } from "node:url";
import { defineConfig, loadEnv, type Plugin } from "vite";

const client = fileURLToPath(new URL("../../clients/typescript/src/index.ts", import.meta.url));
const clientDir = fileURLToPath(new URL("../../clients/typescript/", import.meta.url));

/** The built page's Content-Security-Policy: scripts and styles from this site only, API calls to
 * the API's origin only. A script tag smuggled into the API's HTML would not run. (Not in `vite`
 * dev mode, whose hot reload needs inline scripts and a WebSocket.) */
function contentSecurityPolicy(apiUrl: string): Plugin {
  const apiOrigin = new URL(apiUrl).origin;
  const policy = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    // Pictures come from the API's media address (its origin here; a CDN's is https:).
    `img-src 'self' https: data: ${apiOrigin}`,
    `connect-src 'self' ${apiOrigin}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  return {
    name: "careleaf-content-security-policy",
    apply: "build",
    transformIndexHtml(html) {
      const meta = `<meta http-equiv="Content-Security-Policy" content="${policy.replaceAll("'", "&#39;")}">`;
      return html.replace(/(<meta charset="utf-8">)/i, `$1\n    ${meta}`);
    },
  };
}

export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, process.cwd(), "VITE_");
  const apiUrl = env.VITE_API_URL || process.env.VITE_API_URL || "http://127.0.0.1:8000";
  return {
    define: { __API_URL__: JSON.stringify(apiUrl) },
    resolve: { alias: { "@careleaf/client": client } },
    server: { fs: { allow: [".", clientDir] } },
    plugins: [contentSecurityPolicy(apiUrl)],
    // Relative asset addresses: the built dist/ works from any folder of any static host.
    base: "./",
    build: { target: "es2022" },
  };
});
