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
// The forms whose post, when the network fails under it, goes into the
// offline queue (static/offline.js's IndexedDB store) rather than being lost:
// action path → the form's data-offline kind.
var OFFLINE_FORMS = { "/hazards/new": "finding" };
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
  if (req.method === "POST" && req.mode === "navigate" && OFFLINE_FORMS[url.pathname]) {
    e.respondWith(post(req, url.pathname));
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

// post sends a form of OFFLINE_FORMS with an Idempotency-Key, asking for JSON:
// accepted, the browser goes where the form would have sent it; refused (or
// anything but accepted), the same body goes again as the browser posted it
// and the form's own page answers (a refusal changed nothing; the key is free
// again); without network — even if the service did register it and only
// its answer was lost — the body goes into the queue with the same key, so
// that its send later answers the first answer and never registers twice.
function post(req, action) {
  var ctype = req.headers.get("Content-Type") || "", from = req.referrer ? new URL(req.referrer).pathname : action;
  if (ctype.indexOf("multipart/form-data") !== 0) return fetch(req);
  var key = self.crypto.randomUUID();
  return req.blob().then(function (body) {
    function send(headers) {
      headers["Content-Type"] = ctype;
      return fetch(action, { method: "POST", body: body, credentials: "same-origin", redirect: "manual", headers: headers });
    }
    return send({ "Idempotency-Key": key, Accept: "application/json" }).then(function (resp) {
      if (resp.status === 201) {
        return resp.json().then(function (a) { return Response.redirect(a.url + "?ok=created", 303); });
      }
      return send({});
    }, function () {
      return enqueue(key, action, from, ctype, body).then(function () {
        return Response.redirect(from + "?queued=1", 303);
      });
    });
  });
}

// enqueue stores a failed post as offline.js stores what it saves.
function enqueue(key, action, from, ctype, body) {
  return new Response(body, { headers: { "Content-Type": ctype } }).formData().then(function (fd) {
    var photos = 0;
    fd.forEach(function (v) { if (typeof v !== "string" && v.size) photos++; });
    var now = new Date().toISOString();
    var item = {
      key: key, user: String(fd.get("offline_user") || ""), kind: OFFLINE_FORMS[action], action: action, page: from,
      title: String(fd.get("title") || fd.get("note") || "（未填写名称）"), captured: now,
      lat: fd.get("latitude") || "", lng: fd.get("longitude") || "", photos: photos,
      type: ctype, body: body, state: "waiting", created: now
    };
    return new Promise(function (ok, fail) {
      var r = indexedDB.open("hazardloop-offline", 1);
      r.onupgradeneeded = function () { r.result.createObjectStore("queue", { keyPath: "key" }); };
      r.onerror = function () { fail(r.error); };
      r.onsuccess = function () {
        var t = r.result.transaction("queue", "readwrite");
        t.objectStore("queue").put(item);
        t.oncomplete = function () { ok(); };
        t.onerror = t.onabort = function () { fail(t.error); };
      };
    });
  });
}
