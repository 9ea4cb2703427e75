/*
 * Agent Platform chat widget loader.
 *
 *   <script src="https://<host>/widget.js" data-agent="pk_..." async></script>
 *
 * Optional: data-user-token="<payload>.<hmac>" identifies a signed-in user of the host site
 * (or call window.AgentPlatformWidget.identify(token) before opening).
 *
 * The loader runs in the host page (first-party), so it keeps the anonymous visitor id in the
 * host page's localStorage (falling back to memory when storage is blocked) and hands it to the
 * chat frame in the URL fragment, which is never sent to any server. The frame itself uses no
 * browser storage, so it works with third-party storage blocked. Everything is drawn inside a
 * shadow root, so the host page's CSS and ours never mix. If the widget's config cannot
 * be loaded (unknown key, or this site is not an allowed origin) nothing is shown at all.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__apWidgetLoaded) return;
  window.__apWidgetLoaded = true;
  var key = script.getAttribute("data-agent") || "";
  var base = new URL(script.src, location.href).origin;
  var userToken = script.getAttribute("data-user-token") || "";
  var memory = {};

  function store(name, value) {
    try {
      if (value === undefined) return window.localStorage.getItem(name);
      window.localStorage.setItem(name, value);
    } catch (e) {
      if (value === undefined) return memory[name] || null;
      memory[name] = value;
    }
    return value;
  }

  function anonymousId() {
    var name = "ap-widget-visitor:" + key;
    var id = store(name);
    if (!id || !/^[A-Za-z0-9_-]{16,64}$/.test(id)) {
      var bytes = new Uint8Array(16);
      crypto.getRandomValues(bytes);
      id = Array.prototype.map.call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      }).join("");
      store(name, id);
    }
    return id;
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  function mount(config) {
    var side = config.position === "left" ? "left" : "right";
    var color = /^#[0-9a-fA-F]{6}$/.test(config.color) ? config.color : "#4f46e5";
    var host = el("div", { "data-ap-widget": key });
    host.style.cssText = "position:fixed;bottom:0;" + side + ":0;z-index:2147483000;";
    var root = host.attachShadow({ mode: "open" });
    var style = el("style");
    style.textContent =
      ":host{all:initial}" +
      ".bubble{position:fixed;bottom:20px;" + side + ":20px;width:56px;height:56px;" +
      "border-radius:50%;border:0;cursor:pointer;background:" + color + ";color:#fff;" +
      "box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;" +
      "justify-content:center}.bubble svg{width:26px;height:26px}" +
      ".panel{position:fixed;bottom:88px;" + side + ":20px;width:380px;height:600px;" +
      "max-width:calc(100vw - 40px);max-height:calc(100vh - 110px);border:0;" +
      "border-radius:14px;box-shadow:0 8px 30px rgba(0,0,0,.25);background:#fff;display:none}" +
      ".panel.open{display:block}";
    var bubble = el("button", {
      class: "bubble", type: "button", "aria-label": "Open chat: " + (config.title || "Chat"),
      "data-testid": "ap-widget-launcher"
    });
    bubble.innerHTML =
      '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2">' +
      '<path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z"/></svg>';
    var frame = null;

    function open() {
      if (!frame) {
        frame = el("iframe", {
          class: "panel", title: config.title || "Chat", "data-testid": "ap-widget-frame",
          allow: "clipboard-write"
        });
        var fragment = "a=" + encodeURIComponent(anonymousId()) +
          (userToken ? "&t=" + encodeURIComponent(userToken) : "");
        frame.src = base + "/widget/chat/" + encodeURIComponent(key) + "#" + fragment;
        root.appendChild(frame);
      }
      frame.classList.add("open");
      bubble.setAttribute("aria-expanded", "true");
    }

    function close() {
      if (frame) frame.classList.remove("open");
      bubble.setAttribute("aria-expanded", "false");
    }

    bubble.addEventListener("click", function () {
      if (frame && frame.classList.contains("open")) close(); else open();
    });
    window.addEventListener("message", function (event) {
      if (event.origin === base && event.data === "ap-widget:close") close();
    });
    root.appendChild(style);
    root.appendChild(bubble);
    document.body.appendChild(host);
    window.AgentPlatformWidget = {
      open: open,
      close: close,
      identify: function (token) { userToken = String(token || ""); }
    };
  }

  fetch(base + "/api/v1/widget/" + encodeURIComponent(key) + "/config", { credentials: "omit" })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (config) {
      if (!config) return;
      if (document.body) mount(config);
      else document.addEventListener("DOMContentLoaded", function () { mount(config); });
    })
    .catch(function () { /* not allowed here or offline: show nothing */ });
})();
