// The canvas board, enhanced: autosave with a visible state, retry of a failed save, a
// warning before leaving unsaved text, undo of a delete for a few seconds, focus after a
// change, and drag and drop (SortableJS, loaded only on a board that can be sorted).
// Every action also works without this file, through the notes' plain forms.
(function () {
  "use strict";

  var UNDO_SECONDS = 8;
  var english = function () { return document.documentElement.lang === "en"; };
  var words = {
    saving: function () { return english() ? "Saving …" : "Wird gespeichert …"; },
    failed: function () { return english() ? "Not saved." : "Nicht gespeichert."; },
    retry: function () { return english() ? "Try again" : "Erneut versuchen"; },
    leave: function () {
      return english()
        ? "A note has unsaved text. Leave the page anyway?"
        : "Eine Notiz hat ungespeicherten Text. Seite trotzdem verlassen?";
    },
    moveFailed: function () {
      return english()
        ? "The note could not be moved. Please reload the page."
        : "Die Notiz konnte nicht verschoben werden. Bitte laden Sie die Seite neu.";
    }
  };

  document.documentElement.classList.add("canvas-js");

  function noteForm(elt) {
    return elt && elt.closest ? elt.closest("form.note-edit") : null;
  }

  function stateOf(form) {
    return form.querySelector(".note-state");
  }

  // Replace what the state says, keeping its hidden version field.
  function showState(form, className, text, withRetry) {
    var state = stateOf(form);
    if (!state) {
      return;
    }
    Array.prototype.forEach.call(state.querySelectorAll(":scope > :not(input)"), function (old) {
      old.remove();
    });
    var message = document.createElement("span");
    message.className = className;
    message.textContent = text;
    state.appendChild(message);
    if (withRetry) {
      var retry = document.createElement("button");
      retry.type = "button";
      retry.className = "link-button";
      retry.setAttribute("data-retry", "");
      retry.textContent = words.retry();
      state.appendChild(retry);
    }
  }

  // --- Unsaved text ----------------------------------------------------------------
  // A field is "dirty" from the first keystroke until a save of exactly its text succeeds.
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches(".note-edit textarea, .note-add textarea")) {
      event.target.setAttribute("data-dirty", "");
    }
  });
  document.addEventListener("htmx:configRequest", function (event) {
    var form = noteForm(event.detail.elt);
    if (form) {
      form.setAttribute("data-sent-text", event.detail.parameters.get
        ? event.detail.parameters.get("text") || ""
        : event.detail.parameters.text || "");
    }
  });
  function hasUnsavedText() {
    return document.querySelector("[data-dirty]") !== null;
  }
  window.addEventListener("beforeunload", function (event) {
    if (hasUnsavedText()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  // hx-boost turns links into requests, which beforeunload does not see.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (!link || !hasUnsavedText() || link.getAttribute("href").charAt(0) === "#") {
      return;
    }
    if (link.hasAttribute("data-discard")) {
      var form = noteForm(link);
      var field = form && form.querySelector("textarea");
      if (field) {
        field.removeAttribute("data-dirty");
      }
      if (!hasUnsavedText()) {
        return;
      }
    }
    if (!window.confirm(words.leave())) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // The note shows its new colour and kind at once; the save follows (autosave).
  document.addEventListener("change", function (event) {
    var select = event.target;
    var item = select.closest && select.closest("li.note");
    if (!item || !select.form || !select.form.classList.contains("note-edit")) {
      return;
    }
    if (select.name === "colour") {
      item.className = item.className.replace(/\bnote-(yellow|green|blue|pink|purple)\b/, "note-" + select.value);
    } else if (select.name === "kind") {
      var label = item.querySelector(".note-edit .note-kind");
      if (label) {
        label.className = "note-kind note-kind-" + select.value;
        label.textContent = select.options[select.selectedIndex].text;
      }
    }
  });

  // --- Saving state and retry ------------------------------------------------------
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = noteForm(event.detail.elt);
    if (form) {
      showState(form, "note-saving", words.saving(), false);
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = noteForm(event.detail.elt);
    if (!form || !event.detail.successful) {
      return;
    }
    var field = form.querySelector("textarea");
    if (field && field.value.trim() === (form.getAttribute("data-sent-text") || "").trim()) {
      field.removeAttribute("data-dirty");
    }
  });
  // The server explains 409 (conflict), 410 (deleted) and 422 (bounds) in the state
  // itself; anything else (a 500, a lost connection) is a failed save the user can retry.
  function failed(event) {
    var form = noteForm(event.detail.elt);
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (form && [409, 410, 422].indexOf(status) === -1) {
      showState(form, "error", words.failed(), true);
    }
    var item = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("li.note");
    if (!form && item && event.detail.elt === item) {
      var alerts = document.getElementById("alerts");
      if (alerts) {
        var message = document.createElement("p");
        message.className = "alert alert-error";
        message.textContent = words.moveFailed();
        alerts.replaceChildren(message);
      }
    }
  }
  document.addEventListener("htmx:responseError", failed);
  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("click", function (event) {
    var retry = event.target.closest && event.target.closest("[data-retry]");
    var form = retry && noteForm(retry);
    if (form && window.htmx) {
      window.htmx.trigger(form, "submit");
    }
  });

  // --- Focus after a change --------------------------------------------------------
  // The element that asked is often replaced by the answer: put the keyboard where the
  // user would expect it (the same arrow of the moved note, the undo button, the field).
  var focusNext = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    var item = elt.closest && elt.closest("li[id^='note-']");
    var submitter = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent &&
      event.detail.requestConfig.triggeringEvent.submitter;
    if (elt.matches("form.note-actions") && item) {
      var move = submitter && submitter.getAttribute("data-move");
      focusNext = "#" + item.id + (move === "block" ? " textarea" : " [data-move='" + move + "']");
    } else if (elt.matches("[formaction]") && item) {
      focusNext = "#" + item.id + " button";
    } else if (elt.closest(".note-deleted") && item) {
      focusNext = "#" + item.id + " textarea";
    } else if (elt.closest(".note-add")) {
      focusNext = "#" + elt.closest(".note-add").id + " textarea";
    } else {
      focusNext = null;
    }
  });
  function focusAfterChange() {
    var target = focusNext && document.querySelector(focusNext);
    if (target) {
      focusNext = null;
      // On wide screens a note shows its controls only while focus is inside it
      // (canvas.css), and a hidden button cannot take focus: enter the note first.
      var field = target.closest("li.note") && target.closest("li.note").querySelector("textarea");
      if (field && field !== target) {
        field.focus({ preventScroll: true });
      }
      target.focus();
    }
    setUp(document);
  }
  document.addEventListener("htmx:afterSettle", focusAfterChange);
  // A move answers with out-of-band lists only, and its own target does not settle.
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt.matches && event.detail.elt.matches("form.note-actions")) {
      window.setTimeout(focusAfterChange, 30);
    }
  });

  // --- Undo for a few seconds --------------------------------------------------------
  function expireUndo(item) {
    if (item.hasAttribute("data-expires")) {
      return;
    }
    item.setAttribute("data-expires", "");
    var later = function () {
      if (!item.isConnected) {
        return;
      }
      if (item.contains(document.activeElement)) {
        window.setTimeout(later, 2000);
        return;
      }
      item.remove();
    };
    window.setTimeout(later, UNDO_SECONDS * 1000);
  }

  // --- Drag and drop ----------------------------------------------------------------
  var sortableLoading = false;
  function loadSortable(board, then) {
    if (window.Sortable) {
      then();
      return;
    }
    if (sortableLoading) {
      return;
    }
    sortableLoading = true;
    var script = document.createElement("script");
    script.src = board.getAttribute("data-sortable-src");
    script.onload = then;
    document.head.appendChild(script);
  }
  function dropped(event) {
    if (event.from === event.to && event.oldDraggableIndex === event.newDraggableIndex) {
      return;
    }
    var item = event.item;
    window.htmx.ajax("POST", item.querySelector("form.note-actions").getAttribute("action"), {
      source: item,
      target: item,
      swap: "none",
      values: { block: event.to.getAttribute("data-block"), position: event.newDraggableIndex }
    });
  }
  function makeSortable(root) {
    Array.prototype.forEach.call(root.querySelectorAll("ul[data-sortable]"), function (list) {
      if (list.hasAttribute("data-sorting")) {
        return;
      }
      list.setAttribute("data-sorting", "");
      window.Sortable.create(list, {
        group: "canvas-" + list.getAttribute("data-sortable"),
        handle: ".note-handle",
        draggable: "li.note",
        animation: 150,
        onEnd: dropped
      });
    });
  }

  function setUp(root) {
    Array.prototype.forEach.call(root.querySelectorAll(".notes .note-deleted"), expireUndo);
    var board = document.querySelector("[data-sortable-src]");
    if (board && window.htmx && document.querySelector("ul[data-sortable]")) {
      loadSortable(board, function () { makeSortable(document); });
    }
  }
  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
})();
