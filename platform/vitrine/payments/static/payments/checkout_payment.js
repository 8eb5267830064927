// The checkout's payment choice: the shops that take both ways of paying show what the choice means for them.
(function () {
  "use strict";
  var radios = document.querySelectorAll('input[name="payment"][type="radio"]');
  function show() {
    var chosen = document.querySelector('input[name="payment"]:checked');
    if (!chosen) return;
    document.querySelectorAll("[data-pay]").forEach(function (line) {
      line.hidden = line.getAttribute("data-pay") !== chosen.value;
    });
  }
  radios.forEach(function (radio) { radio.addEventListener("change", show); });
  show();
})();
