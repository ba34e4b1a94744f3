// SvelteKit as a single-page app: every node serves build/ and answers unknown paths with index.html.
import adapter from "@sveltejs/adapter-static";
import { vitePreprocess } from "@sveltejs/vite-plugin-svelte";

/** @type {import('@sveltejs/kit').Config} */
export default {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({ pages: "build", assets: "build", fallback: "index.html", strict: true }),
    // The fallback page is served at any depth (/files/a/b), so asset URLs must be absolute.
    paths: { relative: false },
  },
};
