// Passkeys (issue #19): register this device from the settings page, log in with a passkey on
// the login page. Same-origin calls to identity's API with the session cookie; the words shown
// are the page's own (hidden paragraphs in the resident's language), picked by what happened.
(function () {
  "use strict";
  function b64uToBytes(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var raw = atob(b64), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out.buffer;
  }
  function bytesToB64u(buffer) {
    var bytes = new Uint8Array(buffer), raw = "";
    for (var i = 0; i < bytes.length; i++) { raw += String.fromCharCode(bytes[i]); }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function descriptors(list) {
    return (list || []).map(function (d) { return { type: d.type, id: b64uToBytes(d.id), transports: d.transports }; });
  }
  function show(box, name) {
    var all = box.querySelectorAll("[data-passkey-msg]");
    for (var i = 0; i < all.length; i++) { all[i].hidden = all[i].getAttribute("data-passkey-msg") !== name; }
  }
  function post(path, body) {
    return fetch(path, {
      method: "POST", credentials: "same-origin",
      headers: { "content-type": "application/json", "accept": "application/json" },
      body: body === undefined ? "{}" : JSON.stringify(body)
    }).then(function (r) {
      return r.text().then(function (text) {
        var data = {};
        try { data = text ? JSON.parse(text) : {}; } catch (e) { data = {}; }
        if (!r.ok) { var err = new Error("http " + r.status); err.problem = data; err.status = r.status; throw err; }
        return data;
      });
    });
  }
  function slug(err) {
    var type = (err && err.problem && err.problem.type) || "";
    return String(type).split(":").pop();
  }
  var supported = !!(window.PublicKeyCredential && navigator.credentials && navigator.credentials.create);

  var reg = document.getElementById("passkey-register");
  if (reg) {
    var add = document.getElementById("passkey-add");
    if (!supported) { show(reg, "unsupported"); }
    else {
      show(reg, "");
      add.hidden = false;
      add.addEventListener("click", function () {
        add.disabled = true;
        show(reg, "working");
        post("/api/auth/passkeys/registration-options").then(function (o) {
          var options = {
            rp: o.rp, user: { id: b64uToBytes(o.user.id), name: o.user.name, displayName: o.user.displayName },
            challenge: b64uToBytes(o.challenge), pubKeyCredParams: o.pubKeyCredParams, timeout: o.timeout,
            excludeCredentials: descriptors(o.excludeCredentials), authenticatorSelection: o.authenticatorSelection,
            attestation: o.attestation
          };
          return navigator.credentials.create({ publicKey: options });
        }).then(function (cred) {
          var r = cred.response;
          return post("/api/auth/passkeys", { credential: {
            id: cred.id, rawId: bytesToB64u(cred.rawId), type: cred.type,
            response: {
              clientDataJSON: bytesToB64u(r.clientDataJSON), attestationObject: bytesToB64u(r.attestationObject),
              transports: r.getTransports ? r.getTransports() : []
            },
            clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
            authenticatorAttachment: cred.authenticatorAttachment || undefined
          } });
        }).then(function () {
          window.location.assign("/settings/passkeys?added=1");
        }).catch(function (err) {
          add.disabled = false;
          var name = err && err.name;
          if (name === "NotAllowedError" || name === "AbortError") { show(reg, "cancelled"); }
          else if (name === "InvalidStateError") { show(reg, "exists"); }
          else if (slug(err) === "passkey-needs-card") { show(reg, "needs_card"); }
          else if (err && err.status === 401) { window.location.assign("/login?expired=1"); }
          else { show(reg, "failed"); }
        });
      });
    }
  }

  var login = document.getElementById("passkey-login");
  if (login && supported && navigator.credentials.get) {
    var go = document.getElementById("passkey-login-button");
    login.hidden = false;
    go.addEventListener("click", function () {
      go.disabled = true;
      show(login, "working");
      post("/api/auth/passkeys/login-options").then(function (o) {
        return navigator.credentials.get({ publicKey: {
          challenge: b64uToBytes(o.challenge), rpId: o.rpId, timeout: o.timeout,
          allowCredentials: descriptors(o.allowCredentials), userVerification: o.userVerification
        } });
      }).then(function (cred) {
        var r = cred.response;
        return post("/api/auth/passkeys/login", { session: "cookie", credential: {
          id: cred.id, rawId: bytesToB64u(cred.rawId), type: cred.type,
          response: {
            clientDataJSON: bytesToB64u(r.clientDataJSON), authenticatorData: bytesToB64u(r.authenticatorData),
            signature: bytesToB64u(r.signature), userHandle: r.userHandle ? bytesToB64u(r.userHandle) : undefined
          },
          clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
          authenticatorAttachment: cred.authenticatorAttachment || undefined
        } });
      }).then(function () {
        window.location.assign("/");
      }).catch(function (err) {
        go.disabled = false;
        var name = err && err.name, s = slug(err);
        if (name === "NotAllowedError" || name === "AbortError") { show(login, "cancelled"); }
        else if (s === "passkey-unknown" || s === "passkey-revoked") { show(login, "unknown"); }
        else { show(login, "failed"); }
      });
    });
  }
})();
