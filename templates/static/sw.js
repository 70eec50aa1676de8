// The pages' service worker (issue 18), served from /sw.js so that its scope is
// the site. It lets the pages that work offline open without network: those
// pages (OFFLINE_PAGES) and the static files are fetched from the network first
// and kept; without network the kept copy answers. No other page is kept (the
// pages are no-store: they hold people's data), nothing from another origin is
// touched, and signing out forgets the kept pages. What a form saves offline is
// the page script's business (static/offline.js), not this worker's.
"use strict";

var VERSION = "1";
var STATIC = "hazardloop-static-" + VERSION, PAGES = "hazardloop-pages-" + VERSION;
var ASSETS = ["/static/app.css", "/static/app.js", "/static/offline.js"];
// The pages kept for offline use, by path (the query is ignored): the
// officer's finding page. A patrol form's page is added here with its form.
var OFFLINE_PAGES = [/^\/hazards\/new$/];

self.addEventListener("install", function (e) {
  e.waitUntil(caches.open(STATIC).then(function (c) { return c.addAll(ASSETS); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== STATIC && k !== PAGES; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (e) {
  var req = e.request, url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.method === "POST" && url.pathname === "/logout") {
    e.waitUntil(caches.delete(PAGES));
    return;
  }
  if (req.method !== "GET") return;
  if (req.mode === "navigate" && OFFLINE_PAGES.some(function (p) { return p.test(url.pathname); })) {
    e.respondWith(page(e, req, url.pathname));
  } else if (ASSETS.indexOf(url.pathname) >= 0) {
    e.respondWith(asset(e, req, url.pathname));
  }
});

// A page opened before this worker took charge asks to be kept ("keep").
self.addEventListener("message", function (e) {
  var path = e.data && e.data.keep;
  if (typeof path !== "string" || !OFFLINE_PAGES.some(function (p) { return p.test(path); })) return;
  e.waitUntil(fetch(path, { credentials: "same-origin", redirect: "manual", headers: { Accept: "text/html" } }).then(function (resp) {
    if (resp.status === 200 && resp.type === "basic") return caches.open(PAGES).then(function (c) { return c.put(path, resp); });
  }).catch(function () {}));
});

// page: the network's page, kept; a redirect (to sign in) or a refusal forgets
// the kept copy; without network, the kept copy.
function page(e, req, key) {
  return fetch(req).then(function (resp) {
    if (resp.status === 200 && resp.type === "basic") {
      var copy = resp.clone();
      e.waitUntil(caches.open(PAGES).then(function (c) { return c.put(key, copy); }));
    } else if (resp.type === "opaqueredirect" || resp.status === 401 || resp.status === 403) {
      e.waitUntil(caches.open(PAGES).then(function (c) { return c.delete(key); }));
    }
    return resp;
  }, function () {
    return caches.open(PAGES).then(function (c) { return c.match(key); }).then(function (kept) {
      return kept || new Response("<!DOCTYPE html><meta charset=utf-8><meta name=viewport content=\"width=device-width\"><title>无网络</title>" +
        "<p>当前无网络，本页尚未在本机保存。请在有网络时打开一次本页，之后无网络也可使用。</p>",
      { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
    });
  });
}

// asset: the network's file, kept; without network, the kept one.
function asset(e, req, key) {
  return fetch(req).then(function (resp) {
    if (resp.status === 200) {
      var copy = resp.clone();
      e.waitUntil(caches.open(STATIC).then(function (c) { return c.put(key, copy); }));
    }
    return resp;
  }, function () {
    return caches.open(STATIC).then(function (c) { return c.match(key); }).then(function (kept) { return kept || Response.error(); });
  });
}
