/* Sprechstunde on a hub's own website: sizes the booking iframe to its content.
 *
 * Include it on the page that frames the booking (README, "Auf der eigenen Website
 * einbetten"), from the booking site itself, after or before the iframe:
 *
 *   <iframe src="https://termine.hub.example/beratung/?embed=1" title="Beratung buchen"
 *           class="sprechstunde-frame" loading="lazy"></iframe>
 *   <script src="https://termine.hub.example/static/js/embed.js" defer></script>
 *
 * Our pages post {type: "sprechstunde:height", height} to their parent whenever their height
 * changes. Only messages from the origin this script was loaded from count, and only to the
 * iframe that sent them. Without this script the iframe keeps the height the page gives it
 * and scrolls.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !window.URL) {
    return;
  }
  var bookingOrigin = new URL(script.src, document.baseURI).origin;
  var MAX_HEIGHT = 20000; // a page reporting more is broken, not tall

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== bookingOrigin || !data || data.type !== "sprechstunde:height") {
      return;
    }
    var height = Math.round(Number(data.height));
    if (!isFinite(height) || height <= 0) {
      return;
    }
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i += 1) {
      if (frames[i].contentWindow === event.source) {
        // CSSOM, not a style attribute: allowed under a strict CSP on the host page too.
        frames[i].style.height = Math.min(height, MAX_HEIGHT) + "px";
      }
    }
  });
})();
