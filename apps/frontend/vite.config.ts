import { sveltekit } from "@sveltejs/kit/vite";
import { defineConfig } from "vite";

// `vite dev` proxies the API to a node (ORRERY_NODE, default http://127.0.0.1:3000).
const node = process.env.ORRERY_NODE ?? "http://127.0.0.1:3000";

export default defineConfig({
  plugins: [sveltekit()],
  server: { proxy: { "/api": node, "/status": node } },
  preview: { proxy: { "/api": node, "/status": node } },
});
