/* The merchant's order board: refreshed by htmx every few seconds (hx-trigger on #board-live);
   this script updates the page title with the number of new orders, announces a new order to
   screen readers, and beeps (Web Audio, no file) when the merchant switched the sound on. */
(function () {
  "use strict";
  var live = document.getElementById("board-live");
  if (!live) { return; }
  var announce = document.getElementById("board-announce");
  var toggle = document.getElementById("board-sound");
  var KEY = "vitrine.orders.board.sound";
  var baseTitle = document.title.replace(/^\(\d+\)\s*/, "");
  var audio = null;

  function newCount() {
    var inner = live.querySelector("[data-new-count]");
    return inner ? parseInt(inner.getAttribute("data-new-count"), 10) || 0 : 0;
  }
  var count = newCount();

  function soundOn() {
    try { return window.localStorage.getItem(KEY) === "on"; } catch (error) { return false; }
  }
  function showToggle() {
    // The label says the state ("Son : activé"): no aria-pressed, which would say it twice.
    var on = soundOn();
    toggle.classList.toggle("is-on", on);
    toggle.textContent = toggle.getAttribute(on ? "data-on" : "data-off");
  }
  function audioContext() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return null; }
    if (!audio) { audio = new Context(); }
    if (audio.state === "suspended") { audio.resume(); }
    return audio;
  }
  function beep() {
    var context = audioContext();
    if (!context) { return; }
    var start = context.currentTime + 0.05;
    [0, 0.22].forEach(function (offset) {  // two short high notes: "ding-ding"
      var oscillator = context.createOscillator();
      var gain = context.createGain();
      oscillator.type = "sine";
      oscillator.frequency.value = offset ? 1175 : 880;
      gain.gain.setValueAtTime(0.0001, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.35, start + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.18);
      oscillator.connect(gain);
      gain.connect(context.destination);
      oscillator.start(start + offset);
      oscillator.stop(start + offset + 0.2);
    });
    live.setAttribute("data-beeps", String((parseInt(live.getAttribute("data-beeps"), 10) || 0) + 1));
  }

  if (toggle) {
    toggle.hidden = false;
    showToggle();
    toggle.addEventListener("click", function () {
      var on = !soundOn();
      try { window.localStorage.setItem(KEY, on ? "on" : "off"); } catch (error) { /* private mode: this page only */ }
      showToggle();
      if (on) { beep(); }  // the tap unlocks audio, and the merchant hears what the cue sounds like
    });
  }
  // Browsers only play sound after a gesture on the page: the first tap after a reload unlocks it.
  document.addEventListener("pointerdown", function () { if (soundOn()) { audioContext(); } }, { once: true });

  // Do not swap the board under the merchant's finger: typing a refusal reason, or a menu open.
  live.addEventListener("htmx:beforeRequest", function (event) {
    var active = document.activeElement;
    if ((active && live.contains(active) && active.matches("input, textarea, select")) || live.querySelector("details[open]")) {
      event.preventDefault();
    }
  });
  // Signed out meanwhile (the answer is the sign-in page): reload to show it whole.
  live.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.responseURL && new URL(xhr.responseURL).pathname !== live.getAttribute("hx-get")) {
      event.detail.shouldSwap = false;
      window.location.reload();
    }
  });
  live.addEventListener("htmx:afterSwap", function () {
    var fresh = newCount();
    document.title = (fresh ? "(" + fresh + ") " : "") + baseTitle;
    if (fresh > count) {
      announce.textContent = "";
      window.setTimeout(function () { announce.textContent = announce.getAttribute("data-message"); }, 100);
      if (soundOn()) { beep(); }
    }
    count = fresh;
  });
})();
