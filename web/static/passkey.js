// Passkeys (WebAuthn): registration on /account/security and the second
// sign-in step on /login/mfa. The server sends the options as JSON with
// base64url byte strings; the browser API wants ArrayBuffers.
(function () {
  "use strict";
  function b64uToBuf(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), buf = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) buf[i] = bin.charCodeAt(i);
    return buf.buffer;
  }
  function bufToB64u(buf) {
    var bytes = new Uint8Array(buf), s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function showError(msg) {
    var el = document.querySelector("[data-passkey-error]");
    if (el) { el.textContent = msg; el.hidden = false; }
  }
  async function post(url, body) {
    var res = await fetch(url, { method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" }, body: body ? JSON.stringify(body) : "{}" });
    var data = {};
    try { data = await res.json(); } catch (e) { /* an HTML error page */ }
    if (!res.ok) throw new Error(data.detail || "The request failed (" + res.status + ").");
    return data;
  }
  async function register(btn) {
    var base = btn.getAttribute("data-passkey-register");
    var begin = await post(base + "/begin");
    var pk = begin.options.publicKey;
    pk.challenge = b64uToBuf(pk.challenge);
    pk.user.id = b64uToBuf(pk.user.id);
    (pk.excludeCredentials || []).forEach(function (c) { c.id = b64uToBuf(c.id); });
    var cred = await navigator.credentials.create({ publicKey: pk });
    var name = (document.getElementById("passkey-name") || {}).value || "";
    var body = {
      id: cred.id, rawId: bufToB64u(cred.rawId), type: cred.type,
      response: { attestationObject: bufToB64u(cred.response.attestationObject), clientDataJSON: bufToB64u(cred.response.clientDataJSON),
        transports: cred.response.getTransports ? cred.response.getTransports() : [] }
    };
    var done = await post(base + "/finish?ceremony=" + encodeURIComponent(begin.ceremony) + "&name=" + encodeURIComponent(name), body);
    var box = document.querySelector("[data-passkey-codes]");
    if (done.recovery_codes && done.recovery_codes.length && box) {
      // The first factor: show the recovery codes once, on this page.
      var list = box.querySelector("ol");
      done.recovery_codes.forEach(function (c) {
        var li = document.createElement("li"), code = document.createElement("code");
        code.textContent = c;
        li.appendChild(code);
        list.appendChild(li);
      });
      box.hidden = false;
      return;
    }
    location.reload();
  }
  async function signin(btn) {
    var base = btn.getAttribute("data-passkey-signin");
    var opts = await post(base + "/begin");
    var pk = opts.publicKey;
    pk.challenge = b64uToBuf(pk.challenge);
    (pk.allowCredentials || []).forEach(function (c) { c.id = b64uToBuf(c.id); });
    var a = await navigator.credentials.get({ publicKey: pk });
    var body = {
      id: a.id, rawId: bufToB64u(a.rawId), type: a.type,
      response: { authenticatorData: bufToB64u(a.response.authenticatorData), clientDataJSON: bufToB64u(a.response.clientDataJSON),
        signature: bufToB64u(a.response.signature), userHandle: a.response.userHandle ? bufToB64u(a.response.userHandle) : null }
    };
    var done = await post(base + "/finish?next=" + encodeURIComponent(btn.getAttribute("data-next") || "/"), body);
    location.assign(done.next || "/");
  }
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-passkey-register], [data-passkey-signin]");
    if (!btn) return;
    ev.preventDefault();
    if (!window.PublicKeyCredential) { showError("This browser does not support passkeys."); return; }
    var run = btn.hasAttribute("data-passkey-register") ? register : signin;
    run(btn).catch(function (err) { showError(err.message || String(err)); });
  });
})();
