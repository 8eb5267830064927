// Opening hours on a phone: show the ranges in use plus a button for one more,
// and fold a day's ranges away while "same as Monday" is ticked. Without
// JavaScript every field stays visible and the form works the same.
(function () {
  document.querySelectorAll("fieldset.day").forEach(function (day) {
    var ranges = Array.prototype.slice.call(day.querySelectorAll(".range"));
    var same = day.querySelector("input[type=checkbox][name$='_same']");
    var filled = function (range) {
      return Array.prototype.some.call(range.querySelectorAll("input"), function (input) { return input.value; });
    };
    var shown = Math.max(1, ranges.filter(filled).length);
    var more = document.createElement("button");
    more.type = "button";
    more.className = "button button-secondary button-small";
    more.textContent = day.dataset.addLabel;
    more.addEventListener("click", function () {
      shown = Math.min(ranges.length, shown + 1);
      update();
      var next = ranges[shown - 1].querySelector("input");
      if (next) next.focus();
    });
    day.appendChild(more);
    function update() {
      var copying = same && same.checked;
      ranges.forEach(function (range, index) { range.hidden = copying || index >= shown; });
      more.hidden = copying || shown >= ranges.length;
    }
    if (same) same.addEventListener("change", update);
    update();
  });
})();
