// The checkout answered with errors: take keyboard and screen-reader focus to their list.
(function () {
  var errors = document.getElementById("checkout-errors");
  if (errors) errors.focus();
})();
