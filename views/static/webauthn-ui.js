// Wires the security-key buttons of the enrol, challenge and account pages (views/components/webauthn.tsx).
// The CSP allows only same-origin scripts, so everything the page knows comes in data-* attributes:
// data-webauthn="register" | "authenticate", data-prefix, data-csrf.
(function () {
  'use strict';
  // The components may appear together on one page, each bringing this script.
  if (window.recourseWebauthnUi) return;
  window.recourseWebauthnUi = true;

  var MESSAGES = {
    unsupported: 'This browser cannot use security keys or passkeys. Try another browser, or use another method.',
    cancelled: 'The request was cancelled or timed out. Try again.',
    registered: 'This security key is already registered to your account.',
    network: 'Could not reach the server. Check your connection and try again.',
    expired: 'This page has expired. Reload it and try again.',
    failed: 'That did not work. Try again.',
    checking: 'Checking the key…',
    follow: 'Follow the instructions of your browser or security key…',
    done: 'Done. Taking you on…',
  };

  function showStatus(root, text, kind) {
    var line = root.querySelector('[data-webauthn-status]');
    if (!line) return;
    line.className = kind || '';
    line.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    line.textContent = text;
  }

  async function postJson(root, path, body) {
    var response = await fetch(root.dataset.prefix + path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': root.dataset.csrf || '' },
      body: JSON.stringify(body),
    });
    var data = null;
    try {
      data = await response.json();
    } catch (ignored) {
      data = null;
    }
    if (!response.ok || !data) {
      var message = data && data.error && data.error.message;
      // Without a JSON answer a 403 comes from the CSRF check: the token in the page is stale.
      var fallback = response.status === 403 ? MESSAGES.expired : MESSAGES.failed;
      throw Object.assign(new Error(message || fallback), { fromServer: true });
    }
    return data;
  }

  function browserErrorMessage(error) {
    if (error && error.fromServer) return error.message;
    if (error instanceof TypeError) return MESSAGES.network;
    if (error && error.code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED') return MESSAGES.registered;
    if (error && (error.name === 'NotAllowedError' || error.name === 'AbortError' || error.code === 'ERROR_CEREMONY_ABORTED')) return MESSAGES.cancelled;
    return MESSAGES.failed;
  }

  var CEREMONIES = {
    register: async function (root, form) {
      var options = await postJson(root, '/enroll/webauthn/options', {});
      var credential = await window.SimpleWebAuthnBrowser.startRegistration({ optionsJSON: options });
      showStatus(root, MESSAGES.checking, 'muted');
      var nameField = form.querySelector('[name="name"]');
      return postJson(root, '/enroll/webauthn/verify', { response: credential, name: nameField ? nameField.value : '', rd: returnTo() });
    },
    authenticate: async function (root) {
      var options = await postJson(root, '/2fa/webauthn/options', {});
      var assertion = await window.SimpleWebAuthnBrowser.startAuthentication({ optionsJSON: options });
      showStatus(root, MESSAGES.checking, 'muted');
      return postJson(root, '/2fa/webauthn/verify', { response: assertion, rd: returnTo() });
    },
  };

  /** The page's own `rd`; the server validates it before answering with the redirect. */
  function returnTo() {
    return new URLSearchParams(window.location.search).get('rd') || '';
  }

  function wire(root) {
    // The page's language: the server puts the translated messages in data-messages.
    try {
      Object.assign(MESSAGES, JSON.parse(root.dataset.messages || '{}'));
    } catch (ignored) {
      // English stays.
    }
    var ceremony = CEREMONIES[root.dataset.webauthn];
    var form = root.querySelector('[data-webauthn-form]');
    if (!ceremony || !form) return;
    var browser = window.SimpleWebAuthnBrowser;
    if (!browser || !browser.browserSupportsWebAuthn()) {
      showStatus(root, MESSAGES.unsupported, 'warning');
      return;
    }
    form.hidden = false;
    var button = form.querySelector('button');
    form.addEventListener('submit', async function (event) {
      event.preventDefault();
      if (button) button.disabled = true;
      showStatus(root, MESSAGES.follow, 'muted');
      try {
        var result = await ceremony(root, form);
        showStatus(root, MESSAGES.done, 'notice');
        window.location.assign(result.redirect);
      } catch (error) {
        showStatus(root, browserErrorMessage(error), 'error');
        if (button) button.disabled = false;
      }
    });
  }

  function confirmRemoval(form) {
    form.addEventListener('submit', function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }

  function start() {
    document.querySelectorAll('[data-webauthn]').forEach(wire);
    document.querySelectorAll('form[data-confirm]').forEach(confirmRemoval);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
