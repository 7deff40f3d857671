// Numbers as the reader's locale writes them, exactly. The server sends amounts as integers
// in the currency's minor unit and a "style" (symbol, separators, grouping) taken from CLDR,
// the very style its own tables are written in (chartivo/metrics/money.py): a tooltip and a
// table can never spell one number two ways. Compact axis labels (77.6K) are the one place
// the browser's own Intl formatting is used: they are approximate by design.
(function () {
  "use strict";

  function grouped(digits, style) {
    var primary = style.grouping[0], secondary = style.grouping[1];
    if (digits.length <= primary) return digits;
    var parts = [digits.slice(-primary)];
    var head = digits.slice(0, -primary);
    while (head.length > secondary) {
      parts.unshift(head.slice(-secondary));
      head = head.slice(0, -secondary);
    }
    parts.unshift(head);
    return parts.join(style.group);
  }

  // minor: an integer (minor units or a count); decimals: the currency's (0 for counts).
  function exact(minor, decimals, style) {
    var negative = minor < 0;
    var digits = String(Math.abs(Math.round(minor)));
    var whole = digits, fraction = "";
    if (decimals > 0) {
      while (digits.length <= decimals) digits = "0" + digits;
      whole = digits.slice(0, -decimals);
      fraction = digits.slice(-decimals);
    }
    var number = grouped(whole, style) + (fraction ? style.decimal + fraction : "");
    return negative
      ? style.negativePrefix + number + style.negativeSuffix
      : style.prefix + number + style.suffix;
  }

  function compact(value, locale) {
    try {
      return new Intl.NumberFormat(locale || undefined, { notation: "compact", maximumFractionDigits: 1 }).format(value);
    } catch (error) {
      return String(value);
    }
  }

  // A change between two exact integers: "+$70.00 (+2.3%)".
  function change(now, before, decimals, style) {
    var diff = now - before;
    var sign = diff > 0 ? "+" : diff < 0 ? "−" : "";
    var text = sign + exact(Math.abs(diff), decimals, style);
    if (before !== 0) {
      var pct = Math.abs(diff) * 100 / Math.abs(before);
      text += " (" + sign + pct.toFixed(1) + "%)";
    }
    return text;
  }

  window.ChartivoFormat = { exact: exact, compact: compact, change: change };
})();
