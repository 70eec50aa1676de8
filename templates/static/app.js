// hazardloop: small improvements only; every page works without this file.
(function () {
  "use strict";
  // Keep a double tap on a slow network from posting twice.
  document.addEventListener("submit", function (e) {
    if (e.defaultPrevented) return;
    var f = e.target;
    setTimeout(function () {
      f.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    }, 0);
  });

  // Similar hazards: "选为重复" picks the hazard in the dismiss form (its
  // radio, or the code field when not listed there) and opens the form
  // (without script the form lists them to pick).
  document.querySelectorAll("button[data-duplicate]").forEach(function (b) {
    var form = document.getElementById("ev-dismiss");
    var input = form && form.querySelector("input[name=duplicate_of]");
    if (!input) return;
    b.hidden = false;
    b.addEventListener("click", function () {
      var code = b.getAttribute("data-duplicate"), pick = null;
      form.querySelectorAll("input[name=duplicate_pick]").forEach(function (r) { if (r.value === code) pick = r; });
      if (pick) { pick.checked = true; input.value = ""; input = pick; } else { input.value = code; }
      form.open = true;
      // Scrolled to, not focused: focus would open the field's list of codes
      // over the form on a phone.
      input.scrollIntoView({block: "center"});
    });
  });

  // Region pickers. A field marked data-region-picker (a code input, or the
  // report page's select of counties) gets selects down to the village
  // (county → township → village) and a search by name; the field keeps the
  // chosen code, so the form posts what it posted without this script.
  var api = "/api/v1/public/regions";
  function fetchRegions(query, done) {
    var x = new XMLHttpRequest();
    x.open("GET", api + "?" + query);
    x.onload = function () {
      var items = [];
      try { items = JSON.parse(x.responseText).items || []; } catch (err) { items = []; }
      done(x.status === 200 ? items : []);
    };
    x.onerror = function () { done([]); };
    x.send();
  }
  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text) n.textContent = text;
    return n;
  }
  var levelNames = { 1: "省", 2: "市", 3: "县（区）", 4: "乡镇（街道）", 5: "村（社区）" };

  function picker(field) {
    var isSelect = field.tagName === "SELECT";
    var box = el("div", "region-picker");
    var selects = el("div", "region-selects");
    var search = el("input", "region-search");
    search.type = "search";
    search.placeholder = "搜索乡镇、村（社区）名称或代码";
    search.setAttribute("aria-label", "搜索区划");
    var results = el("ul", "region-results");
    var shown = el("p", "region-chosen muted small");
    box.appendChild(selects);
    box.appendChild(search);
    box.appendChild(results);
    box.appendChild(shown);
    field.parentNode.insertBefore(box, field.nextSibling);

    // The value posted: the field itself, or — once a township or village is
    // chosen under the report page's select of counties — a hidden input that
    // takes over the select's name.
    var name = field.name, hidden = null;
    if (isSelect) {
      hidden = el("input");
      hidden.type = "hidden";
      box.appendChild(hidden);
    }
    function set(code, label) {
      if (isSelect) {
        var deeper = code && code !== field.value;
        if (deeper) { field.removeAttribute("name"); hidden.name = name; hidden.value = code; }
        else { hidden.removeAttribute("name"); field.name = name; }
      } else {
        field.value = code;
      }
      shown.textContent = code && label ? "已选：" + label + "（" + code + "）" : "";
    }
    // Drop the selects below depth, then offer the children of code there.
    function offer(code, depth, chosen) {
      while (selects.children.length > depth) selects.removeChild(selects.lastChild);
      if (!code) return;
      fetchRegions("parent=" + encodeURIComponent(code), function (items) {
        if (!items.length || selects.children.length !== depth) return;
        var s = el("select");
        s.setAttribute("aria-label", levelNames[items[0].level] || "下级区划");
        var none = el("option", "", "请选择" + (levelNames[items[0].level] || "下级区划") + "（可不选）");
        none.value = "";
        s.appendChild(none);
        items.forEach(function (it) {
          var o = el("option", "", it.name);
          o.value = it.code;
          if (chosen && chosen.indexOf(it.code) === 0) o.selected = true;
          s.appendChild(o);
        });
        s.addEventListener("change", function () {
          set(s.value || code, s.value ? s.options[s.selectedIndex].text : "");
          offer(s.value, depth + 1, "");
        });
        selects.appendChild(s);
        if (chosen && s.value && s.value !== chosen) offer(s.value, depth + 1, chosen);
      });
    }
    var root = field.getAttribute("data-region-root") || "";
    if (isSelect) {
      field.addEventListener("change", function () { set(field.value, ""); offer(field.value, 0, ""); });
      if (field.value) offer(field.value, 0, "");
    } else if (root) {
      offer(root, 0, field.value);
    }
    var timer = 0;
    search.addEventListener("input", function () {
      clearTimeout(timer);
      var q = search.value.trim();
      if (!q) { results.textContent = ""; return; }
      timer = setTimeout(function () {
        fetchRegions("q=" + encodeURIComponent(q) + "&limit=12", function (items) {
          results.textContent = "";
          items.forEach(function (it) {
            var li = el("li");
            var b = el("button", "link-like", it.name);
            b.type = "button";
            b.appendChild(el("span", "muted small", " " + (it.path || "") + " " + it.code));
            b.addEventListener("click", function () {
              set(it.code, (it.path ? it.path + " " : "") + it.name);
              results.textContent = "";
              search.value = "";
              while (selects.children.length) selects.removeChild(selects.lastChild);
              if (isSelect) {
                field.value = it.code.substr(0, 6);
                set(it.code, (it.path ? it.path + " " : "") + it.name);
                if (field.value) offer(field.value, 0, it.code);
              } else if (root && it.code.indexOf(root) === 0) {
                offer(root, 0, it.code);
              }
            });
            li.appendChild(b);
            results.appendChild(li);
          });
          if (!items.length) results.appendChild(el("li", "muted small", "没有找到"));
        });
      }, 200);
    });
  }
  document.querySelectorAll("[data-region-picker]").forEach(picker);

  // The category switch of the finding form and the public report form: the
  // disaster fields show for a disaster hazard only (without script they all
  // show); on the finding form also the subtypes of the chosen type only, and
  // a threat over the thresholds suggests the grade 重大.
  document.querySelectorAll("[data-disaster]").forEach(function (box) {
    var form = box.form || box.closest("form"), type = box.querySelector("[data-disaster-type]"),
      sub = box.querySelector("[data-subtype]"), level = form.querySelector("[data-level]"),
      note = box.querySelector("[data-suggest]");
    function sync() {
      var disaster = form.querySelector("input[name=category]:checked");
      disaster = disaster && disaster.value === "disaster";
      box.hidden = !disaster;
      var need = form.querySelector("[data-geo-need]");
      if (need) need.textContent = disaster ? "灾害隐患应填写" : "选填";
      box.querySelectorAll("input,select,textarea").forEach(function (f) { f.disabled = !disaster; });
      if (!sub) return;
      sub.querySelectorAll("optgroup").forEach(function (g) {
        var on = g.getAttribute("data-for") === type.value;
        g.hidden = !on;
        g.disabled = !on;
      });
      if (sub.selectedOptions.length && sub.selectedOptions[0].parentNode.disabled) sub.value = "";
    }
    function suggest() {
      var people = parseFloat(form.elements.threatened_people.value), prop = parseFloat(form.elements.threatened_property.value);
      var major = people >= +note.getAttribute("data-major-people") || prop >= +note.getAttribute("data-major-property");
      if (level && (people >= 0 || prop >= 0)) level.value = major ? "major" : "general";
    }
    form.querySelectorAll("input[name=category]").forEach(function (r) { r.addEventListener("change", sync); });
    type.addEventListener("change", sync);
    if (note) {
      form.elements.threatened_people.addEventListener("change", suggest);
      form.elements.threatened_property.addEventListener("change", suggest);
    }
    sync();
  });

  // "Use where I am": fills a form's latitude and longitude from the phone's
  // position, only when tapped (the browser asks the user's consent first).
  document.querySelectorAll("[data-geo]").forEach(function (btn) {
    if (!navigator.geolocation) return;
    var form = btn.form, note = btn.parentNode.querySelector("[data-geo-note]");
    btn.hidden = false;
    btn.addEventListener("click", function () {
      if (note) note.textContent = "正在获取位置…";
      navigator.geolocation.getCurrentPosition(function (p) {
        form.elements.latitude.value = p.coords.latitude.toFixed(6);
        form.elements.longitude.value = p.coords.longitude.toFixed(6);
        form.elements.longitude.dispatchEvent(new Event("change", { bubbles: true }));
        if (note) note.textContent = "已填入当前位置（精度约 " + Math.round(p.coords.accuracy) + " 米）";
      }, function (err) {
        if (note) note.textContent = err.code === 1 ? "未获准使用位置，可手工填写经纬度" : "暂时无法获取位置，可手工填写经纬度";
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  });

  // Duplicates in sight: while a finding is typed, the open hazards it may
  // repeat (on leaving the title or another field, once coordinates are
  // filled); on the public report form, how many similar issues nearby are
  // being handled. The server renders the hint (the part the page shows when
  // a form comes back); it is a help only: the form posts as it would.
  document.querySelectorAll("[data-duplicates]").forEach(function (box) {
    var form = box.closest("form"), url = box.getAttribute("data-duplicates");
    var names = ["title", "description", "location", "region_code", "latitude", "longitude"], timer = 0, last = "";
    function val(n) {
      var f = form.querySelector("[name=" + n + "]:not(:disabled)");
      return f ? f.value.trim() : "";
    }
    function ask() {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (!val("title") && !val("latitude")) return;
        var q = names.map(function (n) { return n + "=" + encodeURIComponent(val(n)); }).join("&");
        if (q === last) return;
        last = q;
        var x = new XMLHttpRequest();
        x.open("GET", url + "?" + q);
        x.onload = function () {
          // Only the hint itself: never a login page a lapsed session gets.
          if (x.status === 200 && x.getResponseHeader("X-Hint") === "duplicates") box.innerHTML = x.responseText;
        };
        x.send();
      }, 300);
    }
    form.addEventListener("change", function (e) {
      if (names.indexOf(e.target.name) >= 0) ask();
    });
    var title = form.querySelector("[name=title]");
    if (title) title.addEventListener("blur", ask);
  });
})();
