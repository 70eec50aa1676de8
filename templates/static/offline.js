// The offline queue (issue 18). A form marked data-offline="<kind>" (the
// finding form, a disaster hazard's patrol form) saved while the phone has no
// network goes into a queue kept on the phone in IndexedDB: the form's body as the
// browser would post it (text, photos as Blobs, coordinates), the capture
// time, and an Idempotency-Key made when saved. The queue is shown in the
// page's [data-offline-queue] box (templates/pages/offline_queue.html) and sent
// when the network returns (the online event, and on each page load) to the
// form's own action, by the session's cookie, with the key: a retried send
// answers the first answer again and never registers twice. A refused item
// says why and loads back into its form to be corrected (修改).
//
// The page's service worker (/sw.js, registered here) keeps the page and its
// static files, so that the page itself opens without network.
(function () {
  "use strict";
  var box = document.querySelector("[data-offline-queue]");
  if ("serviceWorker" in navigator) {
    var controlled = !!navigator.serviceWorker.controller;
    navigator.serviceWorker.register("/sw.js").then(function () { return navigator.serviceWorker.ready; }).then(function (reg) {
      // Opened before the worker took charge: ask it to keep this page.
      if (box && !controlled && reg.active) reg.active.postMessage({ keep: location.pathname });
    }).catch(function () {});
  }
  if (!box || !window.indexedDB || !window.fetch || !window.FormData) return;
  var user = box.getAttribute("data-user");
  var forms = Array.prototype.slice.call(document.querySelectorAll("form[data-offline]"));
  if (!user || !forms.length) return;
  var list = box.querySelector("[data-offline-items]"), net = box.querySelector("[data-offline-net]"),
    clearBtn = box.querySelector("[data-offline-clear]"), sendBtn = box.querySelector("[data-offline-send]");
  var note = document.createElement("p");
  note.className = "flash ok";
  note.setAttribute("role", "status");
  note.hidden = true;
  box.insertBefore(note, list);

  // A line at the top of the page says what waits below the form.
  var summary = el("a", "offline-summary");
  summary.href = "#offline-queue";
  summary.hidden = true;
  var main = document.querySelector("main") || document.body;
  main.insertBefore(summary, main.firstChild);

  var STATES = { waiting: "等待发送", sending: "发送中", sent: "已发送", refused: "被退回" };
  // The field of a kind's body that takes the capture time, when the service
  // is to keep when it was made rather than when it arrived (sw.js does the
  // same for a post it queues). A finding's discovered_at is a day field of
  // its own (see save).
  var STAMP = { patrol: "patrolled_at" };
  var WEEK = 7 * 24 * 3600 * 1000;

  // ---- IndexedDB: one store, "queue", keyed by the item's Idempotency-Key ----
  var opened;
  function db() {
    if (!opened) {
      opened = new Promise(function (ok, fail) {
        var r = indexedDB.open("hazardloop-offline", 1);
        r.onupgradeneeded = function () { r.result.createObjectStore("queue", { keyPath: "key" }); };
        r.onsuccess = function () { ok(r.result); };
        r.onerror = function () { fail(r.error); };
      });
    }
    return opened;
  }
  function tx(mode, fn) {
    return db().then(function (d) {
      return new Promise(function (ok, fail) {
        var t = d.transaction("queue", mode), out;
        var r = fn(t.objectStore("queue"));
        if (r) r.onsuccess = function () { out = r.result; };
        t.oncomplete = function () { ok(out); };
        t.onerror = t.onabort = function () { fail(t.error); };
      });
    });
  }
  function all() {
    return tx("readonly", function (s) { return s.getAll(); }).then(function (items) {
      return (items || []).sort(function (a, b) { return a.created < b.created ? -1 : 1; });
    });
  }
  function put(item) { return tx("readwrite", function (s) { return s.put(item); }); }
  function drop(key) { return tx("readwrite", function (s) { return s.delete(key); }); }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function day(d) { return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()); }
  function when(iso) { var d = new Date(iso); return day(d) + " " + pad(d.getHours()) + ":" + pad(d.getMinutes()); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  // ---- saving ----

  // save puts what form holds into the queue. The capture time is the moment
  // of saving (or, for an item corrected after a refusal, its first capture):
  // it goes as the hazard's discovered_at, unless another day was typed.
  function save(form) {
    var replaces = form.getAttribute("data-offline-replaces");
    var captured = form.getAttribute("data-offline-captured") || new Date().toISOString();
    var fd = new FormData(form), body = new FormData(), photos = 0;
    fd.forEach(function (v, k) {
      if (k === "csrf") return; // the token goes in a header when sent: it dies with the session
      if (k === "offline_user" || k === "offline_title") return;
      if (typeof v !== "string") {
        if (!v.size) return; // an empty file input
        photos++;
      }
      body.append(k, v);
    });
    // The day field left as the page offered it (today, when the page was
    // fetched: perhaps days ago) or set to the capture's day says "now".
    var typed = body.get("discovered_at"), dayField = form.elements.discovered_at;
    if (dayField && (!typed || typed === dayField.defaultValue || typed === day(new Date(captured)))) body.set("discovered_at", captured);
    var stamp = STAMP[form.getAttribute("data-offline")];
    if (stamp) body.set(stamp, captured);
    var req = new Request(form.action, { method: "POST", body: body });
    return req.blob().then(function (blob) {
      var item = {
        key: newKey(), user: user, kind: form.getAttribute("data-offline"),
        action: new URL(form.action, location.href).pathname, page: location.pathname,
        title: itemTitle(form, body),
        captured: captured, lat: body.get("latitude") || "", lng: body.get("longitude") || "", photos: photos,
        type: req.headers.get("Content-Type"), body: blob, state: "waiting", created: new Date().toISOString()
      };
      return put(item).then(function () { return replaces ? drop(replaces) : null; }).then(function () { return item; });
    });
  }

  // itemTitle is how the queue names what form holds: a finding by its
  // title; a patrol as 巡查：<the hazard's code and title> · <its result>.
  function itemTitle(form, fd) {
    var name = form.getAttribute("data-offline-title");
    if (form.getAttribute("data-offline") === "patrol") {
      var r = form.elements.result, label = r && r.selectedIndex > 0 ? r.options[r.selectedIndex].text.split("（")[0] : "";
      return "巡查：" + (name || "") + (label ? " · " + label : "");
    }
    return String(fd.get("title") || fd.get("note") || name || "（未填写名称）");
  }

  forms.forEach(function (form) {
    // Whose the post is and how the queue names it, should the service
    // worker have to queue it (the service ignores both fields).
    var who = document.createElement("input"), what = document.createElement("input");
    who.type = what.type = "hidden";
    who.name = "offline_user";
    who.value = user;
    what.name = "offline_title";
    form.appendChild(who);
    form.appendChild(what);
    form.addEventListener("submit", function (e) {
      what.value = itemTitle(form, new FormData(form));
      var replaces = form.getAttribute("data-offline-replaces");
      if (navigator.onLine) {
        // The form posts as usual; a corrected refused item is what it
        // posts, so it leaves the queue first.
        if (replaces) {
          e.preventDefault();
          form.removeAttribute("data-offline-replaces");
          form.removeAttribute("data-offline-captured");
          drop(replaces).catch(function () {}).then(function () {
            if (form.requestSubmit) form.requestSubmit(); else form.submit();
          });
        }
        return;
      }
      e.preventDefault();
      save(form).then(function () {
        form.reset();
        form.removeAttribute("data-offline-replaces");
        form.removeAttribute("data-offline-captured");
        form.querySelectorAll("[data-offline-err]").forEach(function (x) { x.remove(); });
        form.querySelectorAll("input[name=category]").forEach(function (r) { r.dispatchEvent(new Event("change", { bubbles: true })); });
        say("已保存到本机的待发送队列，网络恢复后自动发送。可以继续登记下一条。");
        return show();
      }, function () {
        say("未能保存到本机（浏览器存储不可用或已满），请在有网络时提交。", true);
      });
    });
  });

  function say(text, bad) {
    note.textContent = text;
    note.className = bad ? "flash err" : "flash ok";
    note.hidden = false;
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
  }

  // ---- sending ----

  // token reads the session's form token from a fresh copy of this page: the
  // page on screen may be the service worker's copy from an older session.
  function token() {
    return fetch(location.pathname, { credentials: "same-origin", redirect: "manual", cache: "no-store", headers: { Accept: "text/html" } })
      .then(function (r) {
        if (r.type === "opaqueredirect" || !r.ok) throw { login: r.type === "opaqueredirect" };
        return r.text();
      }).then(function (html) {
        var t = new DOMParser().parseFromString(html, "text/html").querySelector("input[name=csrf]");
        if (!t || !t.value) throw { login: true };
        return t.value;
      });
  }

  function sendOne(item, tok) {
    item.state = "sending";
    item.reason = "";
    return put(item).then(show).then(function () {
      return fetch(item.action, {
        method: "POST", body: item.body, credentials: "same-origin", redirect: "manual",
        headers: { "Content-Type": item.type, "Idempotency-Key": item.key, "X-CSRF-Token": tok, Accept: "application/json" }
      });
    }).then(function (r) {
      if (r.type === "opaqueredirect") {
        item.state = "waiting";
        item.reason = "登录已过期，请重新登录后发送";
        return;
      }
      return r.json().catch(function () { return {}; }).then(function (a) {
        if (r.ok) {
          item.state = "sent";
          item.url = a.url || "";
          item.code = a.code || "";
          item.sent = new Date().toISOString();
          item.body = null; // sent: the photos need not stay on the phone
        } else if (r.status === 429 || r.status >= 500 || a.error === "request_in_progress") {
          item.state = "waiting";
          item.reason = "服务器暂时未能办理，稍后自动重试";
        } else {
          item.state = "refused";
          item.reason = a.message || "未被受理（" + r.status + "）";
          item.fields = a.fields || null;
        }
      });
    }, function () {
      item.state = "waiting"; // no network after all
    }).then(function () { return put(item); });
  }

  var busy = false, again;
  function sendAll() {
    if (busy || !navigator.onLine) return Promise.resolve();
    busy = true;
    clearTimeout(again);
    return all().then(function (items) {
      var mine = items.filter(function (i) { return i.user === user && (i.state === "waiting" || i.state === "sending"); });
      if (!mine.length) return;
      return token().then(function (tok) {
        return mine.reduce(function (p, item) { return p.then(function () { return sendOne(item, tok); }); }, Promise.resolve());
      }, function (e) {
        if (e && e.login) {
          return Promise.all(mine.map(function (i) { i.state = "waiting"; i.reason = "登录已过期，请重新登录后发送"; return put(i); }));
        }
      });
    }).catch(function () {}).then(function () {
      busy = false;
      return show();
    }).then(function (items) {
      var left = (items || []).some(function (i) { return i.state === "waiting"; });
      if (left && navigator.onLine) again = setTimeout(sendAll, 15000);
    });
  }

  // ---- showing ----

  function show() {
    return all().then(function (items) {
      var now = Date.now(), mine = [], others = 0;
      items.forEach(function (i) {
        if (i.state === "sent" && now - new Date(i.sent).getTime() > WEEK) drop(i.key);
        else if (i.user === user) mine.push(i);
        else others++;
      });
      list.textContent = "";
      mine.forEach(function (i) { list.appendChild(card(i)); });
      if (others) list.appendChild(el("li", "muted small", "本机还有其他账号保存的 " + others + " 条，须由该账号登录后发送。"));
      box.hidden = !mine.length && !others && note.hidden;
      net.textContent = navigator.onLine ? "" : "（当前无网络）";
      var waiting = mine.filter(function (i) { return i.state === "waiting" || i.state === "sending"; }).length,
        refused = mine.filter(function (i) { return i.state === "refused"; }).length, parts = [];
      if (waiting) parts.push(waiting + " 条待发送");
      if (refused) parts.push(refused + " 条被退回待修改");
      summary.textContent = "本机有 " + parts.join("，") + (navigator.onLine ? "" : "（当前无网络）") + " · 查看 ↓";
      summary.hidden = !parts.length;
      clearBtn.hidden = !mine.some(function (i) { return i.state === "sent"; });
      sendBtn.hidden = !mine.some(function (i) { return i.state === "waiting"; });
      return mine;
    });
  }

  function card(item) {
    var li = el("li", "offline-item " + item.state + " kind-" + item.kind);
    li.setAttribute("data-key", item.key);
    li.setAttribute("data-state", item.state);
    var head = el("div", "oi-head");
    head.appendChild(el("strong", null, item.title));
    head.appendChild(el("span", "oi-state", STATES[item.state] || item.state));
    li.appendChild(head);
    var facts = [(item.kind === "patrol" ? "巡查于 " : "保存于 ") + when(item.captured)];
    if (item.photos) facts.push("照片 " + item.photos + " 张");
    if (item.lat && item.lng) facts.push("坐标 " + item.lat + ", " + item.lng);
    li.appendChild(el("div", "muted small", facts.join(" · ")));
    if (item.state === "sent") {
      var p = el("p", "oi-sent"), patrol = item.kind === "patrol";
      p.appendChild(document.createTextNode(patrol ? "巡查已记入隐患 " : "已登记，编号 "));
      var a = el("a", "code", item.code || "查看隐患");
      a.href = item.url ? item.url + (patrol ? "#patrols" : "") : "/hazards";
      p.appendChild(a);
      li.appendChild(p);
    } else if (item.state === "refused") {
      li.appendChild(el("p", "ferr", item.reason));
      var row = el("p", "oi-actions"), edit = el("button", null, "修改"), del = el("button", "link", "删除");
      edit.type = del.type = "button";
      edit.addEventListener("click", function () { load(item); });
      del.addEventListener("click", function () {
        if (confirm("删除这一条？删除后不可恢复。")) drop(item.key).then(show);
      });
      row.appendChild(edit);
      row.appendChild(del);
      li.appendChild(row);
    } else if (item.reason) {
      li.appendChild(el("p", "muted small", item.reason));
    }
    return li;
  }

  // load puts a refused item back into its form, its photos too, with the
  // refusal's messages beside the fields; saving or posting the form replaces it.
  function load(item) {
    var form = forms.filter(function (f) {
      return f.getAttribute("data-offline") === item.kind && new URL(f.action, location.href).pathname === item.action;
    })[0];
    if (!item.body) return;
    if (!form) { // another page's form (another hazard's patrol): there
      if (item.page && item.page !== location.pathname) location.href = item.page + "#offline-queue";
      return;
    }
    new Response(item.body, { headers: { "Content-Type": item.type } }).formData().then(function (fd) {
      form.reset();
      form.querySelectorAll("[data-offline-err]").forEach(function (x) { x.remove(); });
      var files = {};
      fd.forEach(function (v, k) {
        var f = form.elements[k];
        if (!f) return;
        if (typeof v !== "string") {
          (files[k] = files[k] || []).push(v);
          return;
        }
        if (k === "discovered_at" && v.length > 10) v = day(new Date(v));
        f.value = v; // a RadioNodeList checks the radio of that value
        var target = f.tagName ? f : f[0];
        if (target) target.dispatchEvent(new Event("change", { bubbles: true }));
      });
      Object.keys(files).forEach(function (k) {
        try {
          var dt = new DataTransfer();
          files[k].forEach(function (f) { dt.items.add(f); });
          form.elements[k].files = dt.files;
        } catch (e) { /* the photos are to be chosen again */ }
      });
      Object.keys(item.fields || {}).forEach(function (k) {
        var f = form.elements[k];
        f = f && (f.tagName ? f : f[0]);
        if (!f) return;
        var m = el("span", "ferr", item.fields[k]);
        m.setAttribute("data-offline-err", "");
        f.insertAdjacentElement("afterend", m);
      });
      form.setAttribute("data-offline-replaces", item.key);
      form.setAttribute("data-offline-captured", item.captured);
      say("已把被退回的一条放回表单，请按提示修改后重新提交（无网络时会再次存入待发送）。");
      form.scrollIntoView({ block: "start" });
    });
  }

  sendBtn.addEventListener("click", sendAll);
  clearBtn.addEventListener("click", function () {
    all().then(function (items) {
      return Promise.all(items.filter(function (i) { return i.user === user && i.state === "sent"; }).map(function (i) { return drop(i.key); }));
    }).then(show);
  });
  window.addEventListener("online", sendAll);
  window.addEventListener("offline", show);
  if (/[?&]queued=1/.test(location.search)) {
    say("网络不通，刚才提交的内容已保存到本机的待发送队列，网络恢复后自动发送。");
    history.replaceState(null, "", location.pathname);
  }
  show().then(sendAll);
})();
