// Service worker: makes the app installable and shows an offline page; it never caches
// personal pages (those are no-store), only the static shell.
// Bump on every change of a shell asset: they are served cache-first, so an installed app keeps
// the old app.css / app.js until this file changes.
const SHELL = "tenohira-shell-v2";
const ASSETS = ["/static/app.css", "/static/app.js", "/static/icon.svg", "/offline"];
self.addEventListener("install", (e) => { e.waitUntil(caches.open(SHELL).then((c) => c.addAll(ASSETS))); });
self.addEventListener("activate", (e) => { e.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== SHELL).map((k) => caches.delete(k))))); });
self.addEventListener("fetch", (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== "GET" || url.origin !== self.location.origin) { return; }
  if (url.pathname.startsWith("/static/")) {
    e.respondWith(caches.match(e.request).then((hit) => hit || fetch(e.request)));
  } else if (e.request.mode === "navigate") {
    e.respondWith(fetch(e.request).catch(() => caches.match("/offline")));
  }
});
