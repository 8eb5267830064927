// Live preview of a territory's identity (console and the team's identity page).
// The server checks everything again when the form is sent: this only shows, as one types,
// what the colours, texts and images will look like and whether their contrast passes.
(function () {
  "use strict";
  var preview = document.getElementById("identity-preview");
  var dataNode = document.getElementById("identity-preview-data");
  if (!preview || !dataNode) return;
  var data = JSON.parse(dataNode.textContent);
  var HEX = /^#[0-9a-fA-F]{6}$/;
  var field = function (name) { return document.getElementById("id_" + name); };
  var lang = document.documentElement.lang || "fr";

  function luminance(hex) {
    var channels = [1, 3, 5].map(function (i) {
      var c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
  }
  function contrast(a, b) {
    var la = luminance(a), lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }
  function readableOn(background) {
    return contrast("#ffffff", background) >= contrast("#000000", background) ? "#ffffff" : "#000000";
  }
  function colour(name, fallback) {
    var input = field(name);
    var value = input ? input.value.trim() : "";
    return HEX.test(value) ? value.toLowerCase() : fallback;
  }
  function baseTokens() {
    var theme = field("theme");
    if (theme && data.themes[theme.value]) return data.themes[theme.value];
    return data.base || data.themes[data.theme] || {};
  }
  function text(name, fallback) {
    var input = field(name);
    return input && input.value.trim() ? input.value.trim() : fallback;
  }

  var objectUrls = {};
  function imageFrom(name, current, img) {
    var input = field(name);
    var remove = field(name + "_remove");
    var src = current;
    if (input && input.files && input.files[0]) {
      if (objectUrls[name]) URL.revokeObjectURL(objectUrls[name]);
      objectUrls[name] = URL.createObjectURL(input.files[0]);
      src = objectUrls[name];
    } else if (remove && remove.checked) {
      src = "";
    }
    img.hidden = !src;
    if (src && img.getAttribute("src") !== src) img.src = src;
  }

  var verdicts = preview.querySelector(".ip-verdicts");
  // `chosen`: the person typed this colour (an empty field keeps the theme's, which is never refused).
  function showRatio(pair, ratio, chosen) {
    var item = preview.querySelector('[data-pair="' + pair + '"]');
    var min = parseFloat(item.dataset.min);
    var ok = ratio >= min;
    var shown = ratio.toLocaleString(lang, { maximumFractionDigits: 1, minimumFractionDigits: 1 });
    var needed = min.toLocaleString(lang, { maximumFractionDigits: 1 });
    var verdict = ok ? verdicts.dataset.ok : verdicts.dataset.bad + " (" + verdicts.dataset.needs + " " + needed + ":1)";
    if (!chosen) verdict = verdicts.dataset.theme;
    item.textContent = item.dataset.label + " " + shown + ":1 — " + verdict;
    item.classList.toggle("ip-ok", chosen && ok);
    item.classList.toggle("ip-bad", chosen && !ok);
  }
  function chosen(name) {
    var input = field(name);
    return !!input && HEX.test(input.value.trim());
  }
  var pickers = {};

  function update() {
    var base = baseTokens();
    var background = base.color_background || "#ffffff";
    var primary = colour("primary_color", base.color_primary || "#1f3a5f");
    var header = colour("header_color", base.color_header || primary);
    var accent = colour("accent_color", base.color_accent || primary);
    var onHeader = contrast(primary, header) >= 4.5 ? primary : readableOn(header);
    var style = preview.style;
    style.setProperty("--ip-background", background);
    style.setProperty("--ip-text", base.color_text || "#111111");
    style.setProperty("--ip-surface", base.color_surface || "#f3f4f6");
    style.setProperty("--ip-primary", primary);
    style.setProperty("--ip-on-primary", readableOn(primary));
    style.setProperty("--ip-header", header);
    style.setProperty("--ip-on-header", onHeader);
    style.setProperty("--ip-accent", accent);
    var name = text("name", data.name || "");
    preview.querySelector(".ip-name").textContent = name;
    preview.querySelector(".ip-title").textContent = name;
    var heroText = preview.querySelector(".ip-hero-text");
    heroText.textContent = text("hero_text", heroText.dataset.default);
    preview.querySelector(".ip-footer").textContent = text("footer_text", "");
    imageFrom("logo", data.logo, preview.querySelector(".ip-logo"));
    imageFrom("hero_image", data.hero_image, preview.querySelector(".ip-hero-image"));
    // The header's text colour follows the primary one: a typed primary changes the header's verdict too.
    showRatio("primary", contrast(primary, background), chosen("primary_color"));
    showRatio("header", contrast(onHeader, header), chosen("header_color") || chosen("primary_color"));
    showRatio("accent", contrast(accent, background), chosen("accent_color"));
    var effective = { primary_color: primary, header_color: header, accent_color: accent };
    Object.keys(pickers).forEach(function (name) {
      if (!chosen(name) && effective[name]) pickers[name].value = effective[name];
    });
  }

  // A colour chart beside each #RRGGBB field, kept in step with it (the text field stays the one sent).
  document.querySelectorAll("input[data-identity-colour]").forEach(function (input) {
    var picker = document.createElement("input");
    picker.type = "color";
    picker.className = "ip-picker";
    picker.setAttribute("aria-label", preview.dataset.pickerLabel + " " + (input.labels[0] ? input.labels[0].textContent : ""));
    picker.value = HEX.test(input.value) ? input.value.toLowerCase() : "#000000";
    picker.addEventListener("input", function () { input.value = picker.value; update(); });
    input.addEventListener("input", function () { if (HEX.test(input.value.trim())) picker.value = input.value.trim().toLowerCase(); });
    input.insertAdjacentElement("afterend", picker);
    pickers[input.name] = picker;
  });

  var form = preview.closest("form") || document.querySelector("form[data-identity-form]");
  (form || document).addEventListener("input", update);
  (form || document).addEventListener("change", update);
  preview.hidden = false;
  update();
})();
