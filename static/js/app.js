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

  // The phone's navigation row scrolls sideways. Chrome scrolls a focused link into view
  // only when none of it shows, so a link cut off at the edge stayed cut off: bring the
  // whole link in (scroll-padding keeps it clear of the fades).
  document.addEventListener("focusin", function (event) {
    var link = event.target;
    if (link.closest && link.closest(".site-nav")) {
      link.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
  });

  // Remember the browser's time zone, used when the profile has none.
  var browserZone = null;
  try {
    browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (browserZone && document.cookie.indexOf("tz=" + encodeURIComponent(browserZone)) === -1) {
      document.cookie = "tz=" + encodeURIComponent(browserZone) + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (e) {
    // Old browsers without Intl: the hub's default zone is used.
  }

  // A first visit's picker was drawn in the hub's zone, a guess (the cookie above did not
  // exist yet): draw it once more in the browser's own zone.
  document.addEventListener("DOMContentLoaded", function () {
    var guessed = document.querySelector("[data-zone-guessed]");
    if (guessed && browserZone && guessed.getAttribute("data-zone-guessed") !== browserZone && window.htmx) {
      window.htmx.ajax("GET", window.location.href, { target: "#booking-picker", swap: "outerHTML" });
    }
  });

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

  // The picker: a link with data-focus-after="#id" puts the keyboard there once its
  // answer is in (the chosen day's heading, or the month arrow pressed), so screen readers
  // hear what changed and keyboard users go on from where they were.
  document.addEventListener("htmx:afterSettle", function (event) {
    var config = event.detail.requestConfig;
    var source = config && config.elt;
    var selector = source && source.getAttribute && source.getAttribute("data-focus-after");
    if (selector) {
      var next = document.querySelector(selector) || document.getElementById("month-title");
      if (next) {
        next.focus();
      }
    }
    rovingDays(document);
  });

  // Month grid (ARIA grid pattern): one tab stop on the chosen day, arrow keys move by day
  // and week, Home/End to the week's ends, PageUp/PageDown to the other months.
  function dayCells(root) {
    return Array.prototype.slice.call(root.querySelectorAll(".month-grid td"));
  }
  function rovingDays(root) {
    var grid = root.querySelector(".month-grid");
    if (!grid || grid.hasAttribute("data-roving")) {
      return;
    }
    grid.setAttribute("data-roving", "");
    var links = grid.querySelectorAll(".day-link");
    var chosen = grid.querySelector('td[aria-selected="true"] .day-link') || links[0];
    Array.prototype.forEach.call(links, function (link) {
      link.tabIndex = link === chosen ? 0 : -1;
    });
  }
  function cellBy(cells, from, step) {
    for (var i = from + step; i >= 0 && i < cells.length; i += step) {
      if (cells[i].querySelector(".day-link")) {
        return cells[i];
      }
      if (Math.abs(step) === 7) {
        step = step > 0 ? 1 : -1; // no free day straight below: the next one after it
      }
    }
    return null;
  }
  document.addEventListener("keydown", function (event) {
    var link = event.target.closest && event.target.closest(".month-grid .day-link");
    if (!link) {
      return;
    }
    var cells = dayCells(document);
    var index = cells.indexOf(link.closest("td"));
    var steps = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 };
    var target = null;
    if (steps[event.key]) {
      target = cellBy(cells, index, steps[event.key]);
    } else if (event.key === "Home" || event.key === "End") {
      var rowStart = index - (index % 7);
      var row = cells.slice(rowStart, rowStart + 7).filter(function (cell) {
        return cell.querySelector(".day-link");
      });
      target = event.key === "Home" ? row[0] : row[row.length - 1];
    } else if (event.key === "PageUp" || event.key === "PageDown") {
      var arrow = document.getElementById(event.key === "PageUp" ? "month-previous" : "month-next");
      if (arrow) {
        event.preventDefault();
        arrow.click();
      }
      return;
    } else {
      return;
    }
    event.preventDefault();
    if (target) {
      var next = target.querySelector(".day-link");
      link.tabIndex = -1;
      next.tabIndex = 0;
      next.focus();
    }
  });
  // On a phone the choice folds into one line, so the free days come first; it stays open
  // while the visitor is changing it.
  function foldChoiceOnPhone() {
    var choice = document.querySelector("details.choice");
    if (choice && window.matchMedia("(max-width: 47.99rem)").matches) {
      choice.open = false;
    }
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (event.detail.target && event.detail.target.id === "booking-picker" &&
        !(source && source.closest && source.closest("#choice-form"))) {
      foldChoiceOnPhone();
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    rovingDays(document);
    foldChoiceOnPhone();
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
