// cardex web UI: progressive enhancement only. Every feature here has a no-JavaScript path
// (the search form submits, facet links and pagination are plain links, image placeholders
// are links). Loaded with `defer` from 'self' (the pages' CSP forbids inline script).
(function () {
  'use strict';
  document.documentElement.classList.add('js');

  var form = document.getElementById('search-form');
  var input = document.getElementById('q');

  // ---- Instant facet updates: fetch the page with partial=1 and swap #region. ----
  var pending = null;

  function stateUrl() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (value !== '') params.append(key, value);
    });
    var qs = params.toString();
    return '/' + (qs ? '?' + qs : '');
  }

  function partialUrl(url) {
    var u = new URL(url, location.href);
    u.searchParams.set('partial', '1');
    return u.pathname + u.search;
  }

  // Restores focus to the control with the same name+value after the region is replaced,
  // so keyboard users keep their place in the facet list.
  function focusKey(el) {
    if (!el || !el.name) return null;
    return { name: el.name, value: el.value, type: el.type };
  }
  function restoreFocus(key) {
    if (!key) return;
    var sel = key.type === 'checkbox'
      ? 'input[name="' + CSS.escape(key.name) + '"][value="' + CSS.escape(key.value) + '"]'
      : '[name="' + CSS.escape(key.name) + '"]';
    var el = form.querySelector(sel);
    if (el) {
      var details = el.closest('details.more');
      if (details) details.open = true;
      el.focus();
    }
  }

  function load(url, push, focus) {
    var region = document.getElementById('region');
    if (!region) { location.href = url; return; }
    if (pending) pending.abort();
    pending = new AbortController();
    region.setAttribute('aria-busy', 'true');
    fetch(partialUrl(url), { signal: pending.signal, headers: { 'Accept': 'text/html' } })
      .then(function (res) { return res.text(); })
      .then(function (html) {
        var tpl = document.createElement('template');
        tpl.innerHTML = html;  // our own server-rendered, escaped markup
        var next = tpl.content.getElementById('region');
        if (!next) { location.href = url; return; }
        var panel = document.getElementById('filters');
        var panelOpen = panel ? panel.open : true;
        var openMore = Array.prototype.map.call(
          region.querySelectorAll('details.more[open]'),
          function (d) { var f = d.closest('.facet'); return f ? f.id : ''; });
        region.replaceWith(next);
        openMore.forEach(function (id) {
          var f = id && document.getElementById(id);
          var d = f && f.querySelector('details.more');
          if (d) d.open = true;
        });
        var nextPanel = document.getElementById('filters');
        if (nextPanel) nextPanel.open = panelOpen;  // the reader's choice survives updates
        if (next.dataset.title) document.title = next.dataset.title;
        if (push) history.pushState({ cardex: true }, '', url);
        if (focus === 'results') {
          var main = document.getElementById('main');
          if (main) { main.focus(); main.scrollIntoView(); }
        } else {
          restoreFocus(focus);
        }
      })
      .catch(function (err) { if (err.name !== 'AbortError') location.href = url; });
  }

  if (form && document.getElementById('region')) {
    form.addEventListener('change', function (e) {
      var t = e.target;
      if (t === input) return;
      if (t.matches('input[type=checkbox], select')) load(stateUrl(), true, focusKey(t));
    });
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      clearTimeout(timer);
      seq++;  // a suggestion request still in flight must not reopen the list
      closeSuggest();
      load(stateUrl(), true, 'results');
    });
    // Links inside the region (pagination, filter chips, "did you mean") stay in-page.
    form.addEventListener('click', function (e) {
      var a = e.target.closest('a');
      if (!a || !form.contains(a) || e.defaultPrevented || e.button !== 0 ||
          e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      var u = new URL(a.href, location.href);
      if (u.origin !== location.origin || u.pathname !== '/') return;
      e.preventDefault();
      var q = u.searchParams.get('q');
      if (input) input.value = q || '';
      load(u.pathname + u.search, true, 'results');
    });
    window.addEventListener('popstate', function () {
      var u = new URL(location.href);
      if (input) input.value = u.searchParams.get('q') || '';
      load(u.pathname + u.search, false, null);
    });
  }

  // ---- On a phone, start with the filter panel closed (it is open without JS), so the
  // results come first; active filters still show as chips above them. ----
  var phone = window.matchMedia('(max-width: 48rem)');
  var initialPanel = document.getElementById('filters');
  if (initialPanel && phone.matches) initialPanel.open = false;
  // On wide screens the panel is a plain sidebar: keep it open. ('toggle' does not bubble,
  // so listen in the capture phase; the panel element is replaced on every update.)
  document.addEventListener('toggle', function (e) {
    if (e.target.id === 'filters' && !e.target.open && !phone.matches) e.target.open = true;
  }, true);

  // ---- Typeahead: /api/suggest (ids, then titles, every word a prefix). ----
  var list = document.getElementById('q-suggest');
  var timer = null;
  var active = -1;
  var items = [];
  var seq = 0;

  function closeSuggest() {
    if (!list) return;
    list.hidden = true;
    list.innerHTML = '';
    items = [];
    active = -1;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
  }

  function setActive(i) {
    items.forEach(function (li, k) { li.setAttribute('aria-selected', k === i ? 'true' : 'false'); });
    active = i;
    if (i >= 0) {
      input.setAttribute('aria-activedescendant', items[i].id);
      items[i].scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  function cardHref(hit) {
    var path = '/' + hit.type + 's/' + hit.id.split('/').map(encodeURIComponent).join('/');
    var lang = new URL(location.href).searchParams.get('lang');
    return path + (lang ? '?lang=' + encodeURIComponent(lang) : '');
  }

  function suggest() {
    var text = input.value.trim();
    if (text.length < 2) { closeSuggest(); return; }
    var mine = ++seq;
    fetch('/api/suggest?limit=6&q=' + encodeURIComponent(text))
      .then(function (res) { return res.ok ? res.json() : {}; })
      .then(function (data) {
        if (mine !== seq) return;  // a newer keystroke won
        list.innerHTML = '';
        var hits = (data.ids || []).concat(data.titles || []).slice(0, 8);
        items = hits.map(function (hit, k) {
          var li = document.createElement('li');
          li.id = 'q-suggest-' + k;
          li.setAttribute('role', 'option');
          li.setAttribute('aria-selected', 'false');
          li.dataset.href = cardHref(hit);
          var title = document.createElement('span');
          title.textContent = hit.title || hit.id;  // textContent: never parsed as HTML
          var id = document.createElement('span');
          id.className = 's-id';
          id.textContent = hit.type + ' · ' + hit.id;
          li.appendChild(title);
          li.appendChild(id);
          li.addEventListener('mousedown', function (e) { e.preventDefault(); location.href = li.dataset.href; });
          list.appendChild(li);
          return li;
        });
        active = -1;
        list.hidden = items.length === 0;
        input.setAttribute('aria-expanded', items.length ? 'true' : 'false');
      })
      .catch(function () { closeSuggest(); });
  }

  if (input && list) {
    input.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(suggest, 150);
    });
    input.addEventListener('keydown', function (e) {
      if (list.hidden) return;
      if (e.key === 'ArrowDown') { e.preventDefault(); setActive(Math.min(active + 1, items.length - 1)); }
      else if (e.key === 'ArrowUp') { e.preventDefault(); setActive(Math.max(active - 1, -1)); }
      else if (e.key === 'Escape') { e.preventDefault(); closeSuggest(); }
      else if (e.key === 'Enter' && active >= 0) { e.preventDefault(); location.href = items[active].dataset.href; }
    });
    input.addEventListener('blur', function () { setTimeout(closeSuggest, 100); });
  }

  // ---- Card pages: external images load only when the reader asks. ----
  function loadImage(ph) {
    var img = document.createElement('img');
    img.src = ph.dataset.src;
    img.alt = ph.dataset.alt || '';
    img.referrerPolicy = 'no-referrer';
    img.loading = 'lazy';
    ph.replaceWith(img);
  }
  document.addEventListener('click', function (e) {
    var ph = e.target.closest('a.ext-img');
    if (ph) { e.preventDefault(); loadImage(ph); return; }
    var btn = e.target.closest('button.load-images');
    if (btn) {
      document.querySelectorAll('.ext-img').forEach(loadImage);
      btn.closest('.images-note').remove();
    }
  });
})();
