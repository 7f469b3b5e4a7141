// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // CSRF: every HTMX request carries the token from the <meta> tag (DESIGN.md §6).
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) {
      event.detail.headers["X-CSRFToken"] = meta.content;
    }
  });

  // Remember the browser's time zone, used when the profile has none.
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf("tz=" + encodeURIComponent(zone)) === -1) {
      document.cookie = "tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (e) {
    // Old browsers without Intl: the hub's default zone is used.
  }

  // After a form comes back with errors, put the keyboard on the first one.
  function focusFirstError(root) {
    var invalid = root.querySelector('[aria-invalid="true"]');
    if (invalid) {
      invalid.focus();
    }
  }
  document.addEventListener("htmx:afterSwap", function (event) {
    focusFirstError(event.detail.elt);
  });
  document.addEventListener("DOMContentLoaded", function () {
    focusFirstError(document);
  });

  // After a week of the slot picker is swapped in, say so: focus its heading.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (target && target.id === "slot-picker") {
      var title = document.getElementById("week-title");
      if (title) {
        title.focus();
      }
    }
  });

  // Inside a frame on a hub's own website (README, "Auf der eigenen Website einbetten").
  if (window.parent !== window) {
    // The server draws framed pages compact; a boosted navigation is a fetch, which the
    // browser does not mark as loading into a frame, so say it.
    document.addEventListener("htmx:configRequest", function (event) {
      event.detail.headers["Sprechstunde-Embed"] = "1";
    });
    // Tell the host page our height, and nothing else, so static/js/embed.js can size the
    // frame. To any origin: a height is no secret, and only EMBED_ORIGINS may frame us.
    var lastHeight = 0;
    var postHeight = function () {
      var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
      if (height !== lastHeight) {
        lastHeight = height;
        window.parent.postMessage({ type: "sprechstunde:height", height: height }, "*");
      }
    };
    document.addEventListener("DOMContentLoaded", function () {
      postHeight();
      if (window.ResizeObserver) {
        new ResizeObserver(postHeight).observe(document.documentElement);
      }
    });
    window.addEventListener("load", postHeight);
    // Pages outside the journey refuse to be framed: they open in a new tab instead.
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a[href]");
      if (!link || link.target || link.protocol.indexOf("http") !== 0) {
        return;
      }
      if (link.origin !== window.location.origin || link.pathname.indexOf("/beratung") !== 0) {
        event.preventDefault();
        event.stopPropagation();
        window.open(link.href, "_blank", "noopener");
      }
    }, true);
  }

  // A request that never reached the server gets a message instead of silence.
  document.addEventListener("htmx:sendError", function () {
    var alerts = document.getElementById("alerts");
    if (alerts) {
      var message = document.createElement("p");
      message.className = "alert alert-error";
      message.textContent = document.documentElement.lang === "en"
        ? "The server could not be reached. Please check your connection and try again."
        : "Der Server ist nicht erreichbar. Bitte prüfen Sie Ihre Verbindung und versuchen Sie es erneut.";
      alerts.replaceChildren(message);
    }
  });
  // --- Navigation: focus after a boosted page change (issue 8, item 8) ---------------
  // hx-boost swaps the whole body, so focus would stay on <body>: screen readers say
  // nothing and keyboard users start again at the header. As on a new page, put focus on
  // the new page's h1 (tabindex -1: focusable, not a tab stop): screen readers read it out
  // ("Ihr Profil, heading level 1"), which names the new page, and the next Tab goes on into
  // the content. No extra live region: it would read the same name twice. A page that came
  // back with form errors gets focus on its first error instead; swaps of a part of the
  // page (the picker) are not boosted and keep their own focus handling above.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!event.detail.boosted) {
      return;
    }
    var target = document.querySelector('main [aria-invalid="true"]') ||
      document.querySelector("main h1") || document.getElementById("main");
    if (!target) {
      return;
    }
    if (!target.hasAttribute("tabindex") && !/^(INPUT|SELECT|TEXTAREA|BUTTON|A)$/.test(target.tagName)) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus();
  });
})();
