// skpref annotate: the labeling page. Texts are written with textContent, never as HTML.
"use strict";
(function () {
  const params = new URLSearchParams(window.location.search);
  const token = params.get("token");
  let annotator = params.get("annotator") || window.localStorage.getItem("skpref-annotator");
  let current = null;
  let busy = false;
  const $ = (id) => document.getElementById(id);

  if (token) {  // the cookie set with the page carries it now; keep it out of the address bar
    params.delete("token");
    const rest = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (rest ? "?" + rest : ""));
  }

  function headers(json) {
    const h = {};
    if (json) h["Content-Type"] = "application/json";
    if (token) h["Authorization"] = "Bearer " + token;
    return h;
  }

  function say(text) { $("message").textContent = text || ""; }

  async function call(method, path, body) {
    const options = { method: method, headers: headers(body !== undefined),
                      credentials: "same-origin" };
    if (body !== undefined) options.body = JSON.stringify(body);
    const response = await fetch(path, options);
    if (response.status === 204) return { status: 204, data: null };
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    return { status: response.status, data: data };
  }

  function show(pair) {
    current = pair;
    if (pair === null) {
      $("task").hidden = true;
      $("done").hidden = false;
      return;
    }
    $("done").hidden = true;
    $("task").hidden = false;
    $("prompt").textContent = pair.prompt;
    $("left").textContent = pair.left;
    $("right").textContent = pair.right;
    document.body.dataset.assignment = pair.assignment;
    document.body.dataset.pairId = pair.pair_id;
  }

  async function next() {
    const got = await call("GET", "/api/next?annotator=" + encodeURIComponent(annotator));
    if (got.status === 204) show(null);
    else if (got.status === 200) show(got.data);
    else say(got.data && got.data.error ? got.data.error : "error " + got.status);
  }

  async function answer(choice) {
    if (busy || current === null) return;
    busy = true;
    try {
      const got = await call("POST", "/api/answer",
                             { assignment: current.assignment, choice: choice });
      if (got.status === 200) {
        say("");
        document.body.dataset.answered = String(Number(document.body.dataset.answered || 0) + 1);
      } else {
        say(got.data && got.data.error ? got.data.error : "error " + got.status);
      }
      await next();
      await status();
    } catch (e) {
      say("the server did not answer; your last answer may not be saved: " + e);
    } finally {
      busy = false;
    }
  }

  async function undo() {
    if (busy) return;
    busy = true;
    try {
      const got = await call("POST", "/api/undo", { annotator: annotator });
      if (got.status === 200) { say("undone"); show(got.data); }
      else say(got.data && got.data.error ? got.data.error : "error " + got.status);
      await status();
    } finally {
      busy = false;
    }
  }

  async function status() {
    const got = await call("GET", "/api/status?annotator=" + encodeURIComponent(annotator));
    if (got.status !== 200) return;
    const s = got.data;
    $("labeled").textContent = String(s.labeled);
    $("pool").textContent = String(s.pool);
    $("mine").textContent = String(s.mine === null ? 0 : s.mine);
    $("accuracy").textContent = s.accuracy === null ? "not yet (10 labels needed)"
      : (100 * s.accuracy).toFixed(1) + "% \u00b1 " + (100 * s.accuracy_stderr).toFixed(1) +
        " (cross-validated, " + s.accuracy_labels + " labels)";
    $("refitting").hidden = !s.refitting;
  }

  const keys = { "1": "left", "ArrowLeft": "left", "2": "right", "ArrowRight": "right",
                 "t": "tie", "T": "tie", "s": "skip", "S": "skip" };

  function start() {
    $("login").hidden = true;
    $("annotator").textContent = annotator;
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "u" || event.key === "U") { event.preventDefault(); undo(); return; }
      const choice = keys[event.key];
      if (choice) { event.preventDefault(); answer(choice); }
    });
    document.querySelectorAll("button[data-choice]").forEach(function (button) {
      button.addEventListener("click", function () { answer(button.dataset.choice); });
    });
    $("undo").addEventListener("click", undo);
    next().then(status);
    window.setInterval(status, 3000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (annotator) { start(); return; }
    $("login").hidden = false;
    $("login").addEventListener("submit", function (event) {
      event.preventDefault();
      annotator = $("name").value.trim();
      if (!annotator) return;
      window.localStorage.setItem("skpref-annotator", annotator);
      start();
    });
  });
})();
