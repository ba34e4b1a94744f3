// A single-page app: no server rendering, no prerendering; every node serves index.html for any path.
export const ssr = false;
export const prerender = false;
export const trailingSlash = "ignore";
