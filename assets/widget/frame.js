/*
 * The chat frame opened by widget.js. Uses no browser storage (works with third-party storage
 * blocked): the visitor id arrives in the URL fragment and is exchanged for a session token
 * kept in memory. Message HTML comes from the server already sanitised; streamed tokens are
 * shown as plain text (textContent) until the final, sanitised HTML replaces them.
 */
(function () {
  "use strict";
  var app = document.getElementById("app");
  var key = app.getAttribute("data-key");
  var api = "/api/v1/widget/" + encodeURIComponent(key);
  var log = document.getElementById("log");
  var input = document.getElementById("input");
  var send = document.getElementById("send");
  var errorBox = document.getElementById("error");
  var state = { token: "", conversationId: null, config: {} };

  var params = new URLSearchParams(location.hash.slice(1));
  history.replaceState(null, "", location.pathname);

  function showError(text) {
    errorBox.textContent = text || "";
    errorBox.hidden = !text;
  }

  function call(method, path, body) {
    var headers = { "Content-Type": "application/json" };
    if (state.token) headers.Authorization = "Bearer " + state.token;
    return fetch(api + path, {
      method: method, headers: headers, credentials: "omit",
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) {
          var msg = (data.error && data.error.message) || "Something went wrong.";
          if (r.status === 429) msg = "You are sending messages too fast. Try again in a moment.";
          throw new Error(msg);
        }
        return data;
      });
    });
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }

  function applyTheme(config) {
    state.config = config;
    if (/^#[0-9a-fA-F]{6}$/.test(config.color || "")) app.style.setProperty("--accent", config.color);
    document.getElementById("title").textContent = config.title || config.agent_name || "Chat";
    var avatar = document.getElementById("avatar");
    if (config.avatar_url) { avatar.src = config.avatar_url; avatar.hidden = false; }
  }

  function starters(show) {
    var box = document.getElementById("starters");
    box.textContent = "";
    if (!show) return;
    (state.config.starters || []).forEach(function (text) {
      var b = el("button", "", text);
      b.type = "button";
      b.addEventListener("click", function () { submit(text); });
      box.appendChild(b);
    });
  }

  var SVG = "http://www.w3.org/2000/svg";
  var THUMB = "M7 10v12M15 5.88 14 10h5.83a2 2 0 0 1 1.92 2.56l-2.33 8A2 2 0 0 1 17.5 22H4" +
    "a2 2 0 0 1-2-2v-8a2 2 0 0 1 2-2h2.76a2 2 0 0 0 1.79-1.11L12 2a3.13 3.13 0 0 1 3 3.88Z";

  function thumb() {
    // Drawn, not an emoji: headless and minimal systems often lack an emoji font.
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(SVG, "path");
    path.setAttribute("d", THUMB);
    svg.appendChild(path);
    return svg;
  }

  function feedback(node, message) {
    var bar = el("div", "feedback");
    [[1, "Helpful"], [-1, "Not helpful"]].forEach(function (item) {
      var b = el("button", item[0] === 1 ? "up" : "down");
      b.appendChild(thumb());
      b.type = "button";
      b.title = item[1];
      b.setAttribute("aria-label", item[1]);
      b.setAttribute("aria-pressed", String(message.feedback === item[0]));
      b.addEventListener("click", function () {
        var rating = message.feedback === item[0] ? null : item[0];
        call("POST", "/messages/" + message.id + "/feedback", { rating: rating }).then(function (r) {
          message.feedback = r.feedback;
          bar.querySelectorAll("button").forEach(function (x, i) {
            x.setAttribute("aria-pressed", String(r.feedback === (i === 0 ? 1 : -1)));
          });
        }).catch(function (e) { showError(e.message); });
      });
      bar.appendChild(b);
    });
    node.appendChild(bar);
  }

  function fill(node, message) {
    node.className = "msg " + message.role + " " + message.status;
    node.setAttribute("data-status", message.status);
    node.textContent = "";
    var body = el("div", "body");
    body.innerHTML = message.html; // sanitised on the server (integrations/markdown.py)
    node.appendChild(body);
    if (message.citations && message.citations.length) {
      var list = el("ol", "sources");
      list.setAttribute("data-testid", "ap-citations");
      message.citations.forEach(function (c) {
        list.appendChild(el("li", "", c.title + (c.page ? " (page " + c.page + ")" : "")));
      });
      node.appendChild(list);
    }
    if (message.role === "assistant" && message.status === "complete") feedback(node, message);
  }

  function add(message) {
    var node = el("div");
    node.setAttribute("data-testid", "ap-msg-" + message.role);
    fill(node, message);
    log.appendChild(node);
    log.scrollTop = log.scrollHeight;
    return node;
  }

  function welcome() {
    if (state.config.welcome) {
      var node = add({ role: "assistant", status: "welcome", html: "", citations: [] });
      node.querySelector(".body").textContent = state.config.welcome;
    }
  }

  function stream(message, node) {
    var headers = { Authorization: "Bearer " + state.token };
    var body = node.querySelector(".body");
    var text = "";
    return fetch(api + "/messages/" + message.id + "/stream", { headers: headers, credentials: "omit" })
      .then(function (r) {
        if (!r.ok || !r.body) throw new Error("The answer could not be loaded.");
        var reader = r.body.getReader();
        var decoder = new TextDecoder();
        var buffer = "";
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) return;
            buffer += decoder.decode(chunk.value, { stream: true });
            var frames = buffer.split("\n\n");
            buffer = frames.pop();
            frames.forEach(function (frame) {
              var name = "", data = "";
              frame.split("\n").forEach(function (line) {
                if (line.indexOf("event: ") === 0) name = line.slice(7);
                else if (line.indexOf("data: ") === 0) data += line.slice(6);
              });
              if (!data) return;
              var payload = JSON.parse(data);
              if (name === "token") { text += payload.text; body.textContent = text; }
              else if (name === "message") fill(node, payload);
              log.scrollTop = log.scrollHeight;
            });
            return pump();
          });
        }
        return pump();
      });
  }

  function submit(text) {
    text = (text || "").trim();
    if (!text || send.disabled) return;
    send.disabled = true;
    showError("");
    starters(false);
    call("POST", "/messages", { content: text, conversation_id: state.conversationId })
      .then(function (turn) {
        state.conversationId = turn.conversation_id;
        input.value = "";
        add(turn.user_message);
        var node = add(turn.answer);
        return stream(turn.answer, node);
      })
      .catch(function (e) { showError(e.message); })
      .then(function () { send.disabled = false; input.focus(); });
  }

  function load() {
    return call("GET", "/messages").then(function (data) {
      state.conversationId = data.conversation_id;
      log.textContent = "";
      welcome();
      data.messages.forEach(function (m) {
        var node = add(m);
        if (m.status === "pending") stream(m, node).catch(function (e) { showError(e.message); });
      });
      starters(!data.messages.length);
    });
  }

  document.getElementById("form").addEventListener("submit", function (e) {
    e.preventDefault();
    submit(input.value);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); submit(input.value); }
  });
  document.getElementById("close").addEventListener("click", function () {
    window.parent.postMessage("ap-widget:close", "*"); // no data: any origin may hear it
  });
  document.getElementById("new").addEventListener("click", function () {
    call("POST", "/conversations").then(function (data) {
      state.conversationId = data.conversation_id;
      log.textContent = "";
      welcome();
      starters(true);
    }).catch(function (e) { showError(e.message); });
  });

  call("POST", "/session", { anonymous_id: params.get("a"), user_token: params.get("t") || null })
    .then(function (data) {
      state.token = data.session;
      applyTheme(data.config);
      return load();
    })
    .catch(function (e) { showError(e.message); });
})();
