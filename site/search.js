// site/search.js: the course site's full-text search, in the browser and offline.
// The index (assets/search-index.js) is a script that sets window.HVLABS_INDEX to a list
// of sections {p: page, s: section, u: url, x: text, h: text of its hints}; a script, not a fetched file, so
// that it loads from file:// too. A section matches when each word of the query starts
// a word of its text; results are ranked by where and how often the words occur. Text
// from hints is searched but never shown, so that a result does not open a hint.
(function () {
  'use strict';
  var INDEX = window.HVLABS_INDEX || [];
  var norm = function (s) { return ' ' + s.toLowerCase().replace(/[^a-z0-9_]+/g, ' ') + ' '; };
  var prepared = INDEX.map(function (e) {
    return { e: e, text: norm(e.x + ' ' + (e.h || '')), shown: norm(e.x), head: norm(e.s + ' ' + e.p) };
  });

  function count(hay, needle) {
    var n = 0, i = hay.indexOf(needle);
    while (i >= 0 && n < 50) { n++; i = hay.indexOf(needle, i + needle.length); }
    return n;
  }

  // The sections that contain every word of query, best first.
  function search(query) {
    var words = norm(query).trim().split(' ').filter(Boolean);
    if (!words.length) return [];
    var out = [];
    prepared.forEach(function (p) {
      var score = 0;
      for (var i = 0; i < words.length; i++) {
        var w = ' ' + words[i];
        var inText = count(p.text, w);
        if (!inText && p.head.indexOf(w) < 0) return;
        score += inText + (p.head.indexOf(w) >= 0 ? 20 : 0);
      }
      if (norm(query).trim().length && p.text.indexOf(norm(query).slice(0, -1)) >= 0 && words.length > 1) score += 30;
      out.push({ e: p.e, shown: p.shown, score: score });
    });
    out.sort(function (a, b) { return b.score - a.score; });
    return out;
  }

  function escapeHtml(s) {
    return s.replace(/[&<>"]/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]; });
  }

  // About 200 characters of text around the first word found, with the words marked;
  // where the words are only in the section's hints, says so without showing them.
  function snippet(text, words, shown) {
    if (!words.some(function (w) { return shown.indexOf(' ' + w) >= 0; })) {
      return '<em>In a hint of this section: open the hints on the page.</em>';
    }
    var low = text.toLowerCase(), at = -1;
    for (var i = 0; i < words.length && at < 0; i++) at = low.search(new RegExp('(^|[^a-z0-9_])' + words[i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    var start = Math.max(0, at - 80);
    var s = (start > 0 ? '… ' : '') + text.slice(start, start + 220) + (start + 220 < text.length ? ' …' : '');
    var html = escapeHtml(s);
    words.forEach(function (w) {
      var re = new RegExp('(^|[^A-Za-z0-9_])(' + w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + ')', 'ig');
      html = html.replace(re, '$1<mark>$2</mark>');
    });
    return html;
  }

  var initial = null;   // the search page's own words, shown while the box is empty

  function show(query) {
    var list = document.getElementById('search-results');
    var status = document.getElementById('search-status');
    if (!list) return;
    if (initial === null) initial = status.textContent;
    list.innerHTML = '';
    var words = norm(query).trim().split(' ').filter(Boolean);
    if (!words.length) { status.textContent = initial; return; }
    var hits = search(query);
    status.textContent = hits.length ? hits.length + ' section' + (hits.length > 1 ? 's' : '') + ' found for "' + query + '".'
                                     : 'Nothing found for "' + query + '".';
    hits.slice(0, 100).forEach(function (h) {
      var li = document.createElement('li');
      li.innerHTML = '<a href="' + escapeHtml(h.e.u) + '">' + escapeHtml(h.e.p) +
        (h.e.s && h.e.s !== h.e.p ? ' › ' + escapeHtml(h.e.s) : '') + '</a><p>' + snippet(h.e.x, words, h.shown) + '</p>';
      list.appendChild(li);
    });
  }

  window.hvlabsSearch = search;
  document.addEventListener('DOMContentLoaded', function () {
    var input = document.getElementById('search-q');
    if (!input) return;
    var q = new URLSearchParams(window.location.search).get('q') || '';
    input.value = q;
    show(q);
    input.addEventListener('input', function () {
      show(input.value);
      if (window.history && window.history.replaceState && window.location.protocol !== 'file:') {
        window.history.replaceState(null, '', '?q=' + encodeURIComponent(input.value));
      }
    });
    document.getElementById('search-form').addEventListener('submit', function (ev) { ev.preventDefault(); show(input.value); });
  });
})();
