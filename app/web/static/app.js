// The borrower pages' only script: a loading state on connect buttons, and a connections list
// that refreshes itself while a pull runs (the page works without it: forms post, and a
// <noscript> refresh reloads the page while a pull runs).
(function () {
  "use strict";

  // Connect buttons: show that the platform's page is opening, and stop a second submission.
  function busy(form) {
    var button = form.querySelector("button[type=submit], button:not([type])");
    if (!button || button.getAttribute("aria-busy") === "true") return;
    button.setAttribute("aria-busy", "true");
    var label = button.querySelector("[data-label]");
    if (label && form.dataset.loading) label.textContent = form.dataset.loading;
    // After the submission has started, so the form is still sent.
    setTimeout(function () { button.disabled = true; }, 0);
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.loading !== undefined) busy(form);
  });
  // Coming back with the browser's Back button shows the page as it was: reset the buttons.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("button[aria-busy=true]").forEach(function (button) {
      button.removeAttribute("aria-busy");
      button.disabled = false;
      var label = button.querySelector("[data-label]");
      if (label && label.dataset.label) label.textContent = label.dataset.label;
    });
  });

  // While a connection is syncing, fetch the list again every few seconds; when every pull has
  // finished, reload once so the score appears.
  var POLL_MS = 3000;
  var polls = 0;
  var MAX_POLLS = 200; // ten minutes; after that a reload starts again
  function poll() {
    var list = document.getElementById("connections");
    if (!list || !list.dataset.pollUrl || ++polls > MAX_POLLS) return;
    setTimeout(function () {
      fetch(list.dataset.pollUrl, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          if (!response.ok) throw new Error("status " + response.status);
          return response.text();
        })
        .then(function (html) {
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.querySelector("#connections");
          if (!fresh) return;
          var live = document.getElementById("sync-live");
          if (live && fresh.dataset.summary) live.textContent = fresh.dataset.summary;
          if (!fresh.dataset.pollUrl) {
            window.location.reload();
            return;
          }
          if (fresh.innerHTML !== list.innerHTML) list.replaceWith(fresh);
          poll();
        })
        .catch(function () { setTimeout(poll, POLL_MS * 3); });
    }, POLL_MS);
  }
  poll();

  // Sign-In with Ethereum, shown only when the browser has a wallet: the server writes the
  // message (with the checksummed address and a fresh nonce), the wallet signs it, and the
  // SIWE endpoint proves it and sets the session.
  function errorOf(response) {
    return response.json().then(
      function (body) { return (body && body.error && body.error.message) || "status " + response.status; },
      function () { return "status " + response.status; }
    );
  }
  function hexOf(text) {
    return "0x" + Array.from(new TextEncoder().encode(text), function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  }
  async function walletSignIn(button, status) {
    var wallet = window.ethereum;
    button.setAttribute("aria-busy", "true");
    button.disabled = true;
    status.textContent = "Waiting for your wallet…";
    try {
      var accounts = await wallet.request({ method: "eth_requestAccounts" });
      var chain = parseInt(await wallet.request({ method: "eth_chainId" }), 16);
      var asked = await post("/sign-in/wallet/message", { address: accounts[0], chainId: chain });
      if (!asked.ok) throw new Error(await errorOf(asked));
      var message = (await asked.json()).message;
      var signature = await wallet.request({ method: "personal_sign", params: [hexOf(message), accounts[0]] });
      var proven = await post("/api/siwe/verify", { message: message, signature: signature });
      if (!proven.ok) throw new Error(await errorOf(proven));
      status.textContent = "Signed in.";
      window.location.assign("/dashboard");
    } catch (error) {
      status.textContent = "Wallet sign-in did not work: " + ((error && error.message) || error) + ".";
      button.removeAttribute("aria-busy");
      button.disabled = false;
    }
  }
  // Email sign-in: the emailed link lands here with the Supabase session in the #fragment,
  // which never reaches the server. Take the access token out of the address bar (and the
  // history), then post it so the server can verify it and set the session.
  var finish = document.getElementById("email-sign-in-finish");
  var finishStatus = document.getElementById("email-sign-in-status");
  if (finish && finishStatus) {
    var fragment = new URLSearchParams(window.location.hash.replace(/^#/, ""));
    history.replaceState(null, "", window.location.pathname);
    var accessToken = fragment.get("access_token");
    var problem = fragment.get("error_description") || fragment.get("error");
    if (accessToken) {
      finish.elements.namedItem("access_token").value = accessToken;
      finishStatus.textContent = "Signing you in…";
      finish.submit();
    } else if (problem) {
      finishStatus.textContent = "This sign-in link did not work (" + problem + "). Ask for a new one on the sign-in page.";
    } else {
      finishStatus.textContent = "Open the link from your sign-in email to sign in, or ask for a new one on the sign-in page.";
    }
  }

  var walletButton = document.getElementById("wallet-sign-in");
  var walletStatus = document.getElementById("wallet-status");
  if (walletButton && walletStatus && window.ethereum) {
    walletButton.closest("[hidden]") && walletButton.closest("[hidden]").removeAttribute("hidden");
    walletButton.addEventListener("click", function () { walletSignIn(walletButton, walletStatus); });
  }
})();
