// The pages' service worker (issue 18), served from /sw.js so that its scope is
// the site. It lets the pages that work offline open without network: those
// pages (OFFLINE_PAGES) and the static files are fetched from the network first
// and kept; without network the kept copy answers. No other page is kept (the
// pages are no-store: they hold people's data), nothing from another origin is
// touched, and signing out forgets the kept pages. What a form saves offline is
// the page script's business (static/offline.js), not this worker's.
"use strict";

var VERSION = "2";
var STATIC = "hazardloop-static-" + VERSION, PAGES = "hazardloop-pages-" + VERSION;
var ASSETS = ["/static/app.css", "/static/app.js", "/static/offline.js"];
// The forms whose post, when the network fails under it, goes into the
// offline queue (static/offline.js's IndexedDB store) rather than being lost:
// [action path's pattern, the form's data-offline kind, the flash its page
// shows once accepted]. A patrol's action names its hazard.
var OFFLINE_FORMS = [
  [/^\/hazards\/new$/, "finding", "created"],
  [/^\/hazards\/\d+\/patrol$/, "patrol", "patrol#patrols"]
];
// The pages kept for offline use, by path (the query is ignored): the
// officer's finding page and a disaster hazard's page (its patrol form). Only
// a page that says it holds such a form (the X-Offline-Form header: a hazard
// page of one who may patrol it) is kept.
var OFFLINE_PAGES = [/^\/hazards\/new$/, /^\/hazards\/\d+$/];

function offlineForm(path) {
  for (var i = 0; i < OFFLINE_FORMS.length; i++) if (OFFLINE_FORMS[i][0].test(path)) return OFFLINE_FORMS[i];
  return null;
}
function offlinePage(path) { return OFFLINE_PAGES.some(function (p) { return p.test(path); }); }
// keepable: a page of ours, signed in, that holds a form of the queue.
function keepable(resp) { return resp.status === 200 && resp.type === "basic" && !!resp.headers.get("X-Offline-Form"); }

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
  var form = req.method === "POST" && req.mode === "navigate" && offlineForm(url.pathname);
  if (form) {
    e.respondWith(post(req, url.pathname, form));
    return;
  }
  if (req.method !== "GET") return;
  if (req.mode === "navigate" && offlinePage(url.pathname)) {
    e.respondWith(page(e, req, url.pathname));
  } else if (ASSETS.indexOf(url.pathname) >= 0) {
    e.respondWith(asset(e, req, url.pathname));
  }
});

// A page opened before this worker took charge asks to be kept ("keep").
self.addEventListener("message", function (e) {
  var path = e.data && e.data.keep;
  if (typeof path !== "string" || !offlinePage(path)) return;
  e.waitUntil(fetch(path, { credentials: "same-origin", redirect: "manual", headers: { Accept: "text/html" } }).then(function (resp) {
    if (keepable(resp)) return caches.open(PAGES).then(function (c) { return c.put(path, resp); });
  }).catch(function () {}));
});

// page: the network's page, kept if it holds a form of the queue; a page
// without one (a hazard closed meanwhile), a redirect (to sign in) or a
// refusal forgets the kept copy; without network, the kept copy.
function page(e, req, key) {
  return fetch(req).then(function (resp) {
    if (keepable(resp)) {
      var copy = resp.clone();
      e.waitUntil(caches.open(PAGES).then(function (c) { return c.put(key, copy); }));
    } else if (resp.type === "opaqueredirect" || [200, 401, 403, 404].indexOf(resp.status) >= 0) {
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
// A patrol's body names the moment it was posted (patrolled_at) before its
// first send, so that a late send keeps when the patrol was made.
function post(req, action, form) {
  var ctype = req.headers.get("Content-Type") || "", from = req.referrer ? new URL(req.referrer).pathname : action;
  if (ctype.indexOf("multipart/form-data") !== 0) return fetch(req);
  var key = self.crypto.randomUUID();
  return stamped(req, action, form[1]).then(function (posted) {
    var body = posted.body;
    ctype = posted.type;
    function send(headers) {
      headers["Content-Type"] = ctype;
      return fetch(action, { method: "POST", body: body, credentials: "same-origin", redirect: "manual", headers: headers });
    }
    return send({ "Idempotency-Key": key, Accept: "application/json" }).then(function (resp) {
      if (resp.status === 201) {
        return resp.json().then(function (a) { return Response.redirect(a.url + "?ok=" + form[2], 303); });
      }
      return send({});
    }, function () {
      return enqueue(key, action, form[1], from, ctype, body).then(function () {
        return Response.redirect(from + "?queued=1", 303);
      });
    });
  });
}

// stamped is the posted body, a patrol's with its time added (unless it has one).
function stamped(req, action, kind) {
  if (kind !== "patrol") return req.blob().then(function (b) { return { body: b, type: req.headers.get("Content-Type") }; });
  return req.formData().then(function (fd) {
    if (!fd.get("patrolled_at")) fd.set("patrolled_at", new Date().toISOString());
    var r = new Request(action, { method: "POST", body: fd });
    return r.blob().then(function (b) { return { body: b, type: r.headers.get("Content-Type") }; });
  });
}

// enqueue stores a failed post as offline.js stores what it saves.
function enqueue(key, action, kind, from, ctype, body) {
  return new Response(body, { headers: { "Content-Type": ctype } }).formData().then(function (fd) {
    var photos = 0;
    fd.forEach(function (v) { if (typeof v !== "string" && v.size) photos++; });
    var now = new Date().toISOString();
    var item = {
      key: key, user: String(fd.get("offline_user") || ""), kind: kind, action: action, page: from,
      title: String(fd.get("offline_title") || fd.get("title") || fd.get("note") || "（未填写名称）"),
      captured: String(fd.get("patrolled_at") || now),
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
