// docket serve — the board's front end. Plain ES2022, no build step, no dependencies.
// Contract with the server: src/serve/api.rs (the routes) and book/src/board.md (the HTTP API). Server text goes into the page through
// textContent only, except the `html` fields and the `*_svg` fields, which the server sanitizes.
'use strict';

(() => {
  const TOKEN = new URLSearchParams(location.search).get('token') || '';
  const PAGE = 50;
  const HEALTH = ['on_track', 'needs_attention', 'at_risk'];
  const FILTERS = ['milestone', 'assignee', 'label', 'type'];

  const S = {
    meta: null,
    kind: '',
    filters: { milestone: '', assignee: '', label: '', type: '' },
    q: '',
    columns: [], // [{state, total, cards: [CARD]}]
    workflow: '',
    boardKey: null, // the query the columns were loaded with
    boardGen: 0,
    loading: new Set(), // states fetching their next page
    pendingMoves: 0,
    queuedRefresh: null, // {paths:Set|null} while moves are pending
    view: 'board',
    milestoneId: null,
    milestoneGen: 0,
    navFromBoard: false,
    recordId: null,
    record: null, // last /api/record answer for recordId
    recordGen: 0,
    recordResult: null, // {id, from, message, diff, fresh} of the last change made from the page
    returnFocusId: null,
    dragId: null,
    es: null,
    esDown: false,
    refreshTimer: 0,
    refreshPaths: undefined,
    searchTimer: 0,
    noticeTimer: 0,
    fieldNames: new Set(), // field names seen in records' `fields`, suggested for a new field
  };

  // ---------------------------------------------------------------- helpers

  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];
  const enc = encodeURIComponent;

  /** Build an element. Strings among the children become text nodes (never HTML). */
  function h(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
      else if (k === 'value') e.value = v;
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat(Infinity)) {
      if (c == null || c === false || c === '') continue;
      e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }

  /** Replace an element's children; null, false and '' are skipped, strings become text. */
  function fill(el, ...children) {
    el.replaceChildren(...children.flat(Infinity)
      .filter((c) => c != null && c !== false && c !== '')
      .map((c) => (c instanceof Node ? c : String(c))));
    return el;
  }

  /** HTML the server rendered and sanitized (the `html` and `*_svg` fields only). */
  function trusted(tag, cls, html) {
    const e = document.createElement(tag);
    e.className = cls;
    e.innerHTML = html; // rendered by the server with raw HTML escaped (src/serve/markdown.rs) or a chart (src/chart.rs escapes its text)
    return e;
  }

  function qs(params) {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== '' && v != null) p.set(k, String(v));
    return p.toString();
  }

  async function api(path, { method = 'GET', body } = {}) {
    const headers = { 'X-Docket-Token': TOKEN, Accept: 'application/json' };
    const init = { method, headers, cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch {
      return { ok: false, status: 0, body: { error: 'cannot reach the docket server', hint: 'is `docket serve` still running?' } };
    }
    const text = await res.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!res.ok && (!data || typeof data !== 'object' || !data.error)) {
      data = { error: `the server answered HTTP ${res.status} ${res.statusText}`.trim(), hint: text && text.length < 300 ? text : null };
    }
    if (res.ok && data == null) data = {};
    return { ok: res.ok, status: res.status, body: data };
  }

  function kindInfo(kind) {
    return S.meta?.kinds?.find((k) => k.kind === kind) || null;
  }

  function statesOf(kind) {
    const info = kindInfo(kind);
    if (info?.states?.length) return info.states;
    if (kind === S.kind) return S.columns.map((c) => c.state);
    return [];
  }

  function fmtNum(n) {
    if (typeof n !== 'number') return n == null ? '—' : String(n);
    return Number.isInteger(n) ? String(n) : String(Math.round(n * 10) / 10);
  }

  function findCard(id) {
    return $$('#board .card').find((c) => c.dataset.id === id) || null;
  }

  function columnEl(state) {
    return $$('#board .column').find((c) => c.dataset.state === state) || null;
  }

  // ---------------------------------------------------------------- messages

  function clearMessage() {
    const m = $('#message');
    m.hidden = true;
    fill(m);
  }

  function closeButton(onclick, label = 'Dismiss') {
    return h('button', { type: 'button', class: 'close', 'aria-label': label, title: label, onclick }, '×');
  }

  /** A refusal (409) or any error answer: {error, hint, diagnostics?, text?}. */
  function showError(b) {
    const body = b && typeof b === 'object' ? b : { error: String(b) };
    const m = $('#message');
    const diags = Array.isArray(body.diagnostics) ? body.diagnostics : [];
    fill(m,
      closeButton(clearMessage),
      h('p', { class: 'error', text: body.error || 'something went wrong' }),
      body.hint ? h('p', { class: 'hint', text: `hint: ${body.hint}` }) : null,
      diags.length
        ? h('ul', { class: 'diagnostics' }, diags.map((d) => h('li', { class: `sev-${d.severity || 'error'}` },
            h('span', { class: 'msg', text: d.message || '' }),
            d.hint ? h('span', { class: 'hint', text: ` — hint: ${d.hint}` }) : null)))
        : null,
      body.text ? h('pre', { class: 'text', text: body.text }) : null,
    );
    m.hidden = false;
  }

  function notice(message, diff) {
    const n = $('#notice');
    clearTimeout(S.noticeTimer);
    if (!message && !diff) {
      n.hidden = true;
      return;
    }
    fill(n,
      closeButton(() => { n.hidden = true; }),
      h('p', { text: message || 'done' }),
      diff ? h('details', {}, h('summary', {}, 'diff'), renderDiff(diff)) : null,
    );
    n.hidden = false;
    S.noticeTimer = setTimeout(() => {
      if (!n.contains(document.activeElement) && !n.querySelector('details[open]')) n.hidden = true;
    }, 8000);
  }

  function renderDiff(diff) {
    const pre = h('pre', { class: 'diff' });
    let inHunk = false;
    for (const line of String(diff).replace(/\n$/, '').split('\n')) {
      let cls = '';
      if (line.startsWith('@@')) inHunk = true;
      if (!inHunk && (line.startsWith('+++ ') || line.startsWith('--- ') || line.startsWith('diff '))) cls = 'file';
      else if (line.startsWith('+')) cls = 'add';
      else if (line.startsWith('-')) cls = 'del';
      else if (line.startsWith('@@')) cls = 'hunk';
      pre.append(h('span', { class: cls }, `${line}\n`));
    }
    return pre;
  }

  // ---------------------------------------------------------------- URL state

  function parseHash() {
    const raw = location.hash.replace(/^#/, '');
    const qi = raw.indexOf('?');
    let path = qi >= 0 ? raw.slice(0, qi) : raw;
    let query = qi >= 0 ? raw.slice(qi + 1) : '';
    if (!path.startsWith('/')) {
      if (path.includes('=')) query = path;
      path = '/board';
    }
    return { path, params: new URLSearchParams(query) };
  }

  function hashFor(path) {
    const p = { kind: S.kind, ...S.filters, q: S.q };
    if (S.recordId) p.open = S.recordId;
    const query = qs(p);
    return `#${path}${query ? `?${query}` : ''}`;
  }

  function currentPath() {
    return S.view === 'milestone' && S.milestoneId ? `/milestone/${enc(S.milestoneId)}` : '/board';
  }

  /** Record the page state in the hash without adding a history entry. */
  function saveHash() {
    const url = `${location.pathname}${location.search}${hashFor(currentPath())}`;
    if (url !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(history.state, '', url);
  }

  function ensureOption(select, value) {
    if (value && ![...select.options].some((o) => o.value === value)) select.append(h('option', { value }, value));
  }

  function syncControls() {
    const kind = $('#kind');
    ensureOption(kind, S.kind);
    kind.value = S.kind;
    for (const f of FILTERS) {
      const sel = $(`#f-${f}`);
      ensureOption(sel, S.filters[f]);
      sel.value = S.filters[f];
    }
    if ($('#q').value.trim() !== S.q) $('#q').value = S.q;
  }

  async function route() {
    if (!S.meta) return;
    const { path, params } = parseHash();
    S.kind = params.get('kind') || S.kind || S.meta.default_kind || S.meta.kinds?.[0]?.kind || 'issue';
    for (const f of FILTERS) S.filters[f] = params.get(f) || '';
    S.q = params.get('q') || '';
    syncControls();
    const m = path.match(/^\/milestone\/(.+)$/);
    if (m) showMilestone(decodeURIComponent(m[1]));
    else showBoard();
    const open = params.get('open');
    if (open && open !== S.recordId) openRecord(open);
    else if (!open && S.recordId) closeRecord(false);
  }

  // ---------------------------------------------------------------- header

  async function loadMeta() {
    const r = await api('/api/meta');
    if (!r.ok) {
      if (r.status === 403) r.body.hint ||= 'open the board with the URL `docket serve` printed (it carries the token)';
      showError(r.body);
      fill($('#board'), h('p', { class: 'empty', text: 'The board could not be loaded.' }));
      return false;
    }
    S.meta = r.body;
    fill($('#root'), h('bdi', { text: S.meta.root || '' }));
    $('#root').title = `tracker root: ${S.meta.root || ''}`;
    const base = String(S.meta.root || '').split(/[\\/]/).filter(Boolean).pop();
    if (base) document.title = `${base} — docket board`;
    const kind = $('#kind');
    fill(kind, (S.meta.kinds || []).map((k) => h('option', { value: k.kind }, typeof k.records === 'number' ? `${k.kind} (${k.records})` : k.kind)));
    const fillSelect = (id, items, label = (x) => x, value = (x) => x) => {
      const sel = $(id);
      fill(sel, h('option', { value: '' }, 'all'), (items || []).map((x) => h('option', { value: value(x) }, label(x))));
      sel.closest('label').hidden = !items?.length; // nothing to filter by in this tracker
    };
    fillSelect('#f-milestone', S.meta.milestones, (m) => (m.title && m.title !== m.id ? `${m.id} — ${m.title}` : m.id), (m) => m.id);
    fillSelect('#f-assignee', S.meta.assignees);
    fillSelect('#f-label', S.meta.labels);
    fillSelect('#f-type', S.meta.types);
    return true;
  }

  async function refreshStatus() {
    const r = await api('/api/status');
    const el = $('#status');
    if (!r.ok) {
      fill(el, h('span', { class: 'muted', text: `status unavailable: ${r.body.error}` }));
      return;
    }
    if (r.body.live === false) {
      setLive(false, 'not live');
      $('#live').title = r.body.live_error || 'the server does not follow the files on disk';
    } else if (r.body.live === true && $('#live').textContent === 'not live') {
      setLive(!!S.es && S.es.readyState === EventSource.OPEN);
    }
    const files = r.body.uncommitted || [];
    el.classList.toggle('dirty', files.length > 0);
    el.title = files.map((f) => `${f.status}: ${f.path}`).join('\n');
    if (!files.length) {
      fill(el, h('span', { text: 'nothing uncommitted' }));
      return;
    }
    const cmd = r.body.command;
    fill(el, [
      h('span', { text: `${files.length} file${files.length === 1 ? '' : 's'} changed, not committed` }),
      cmd ? [h('span', { text: ' — run: ' }), h('code', { text: cmd }),
        h('button', {
          type: 'button', class: 'link copy', title: 'copy the command',
          onclick: async (e) => {
            try {
              await navigator.clipboard.writeText(cmd);
              e.target.textContent = 'copied';
            } catch {
              e.target.textContent = 'select and copy';
            }
          },
        }, 'copy')] : null,
    ]);
  }

  function onFilterChange() {
    S.kind = $('#kind').value;
    for (const f of FILTERS) S.filters[f] = $(`#f-${f}`).value;
    saveHash();
    if (S.view === 'board') refreshBoard();
  }

  function onSearchInput() {
    clearTimeout(S.searchTimer);
    S.searchTimer = setTimeout(() => {
      const q = $('#q').value.trim();
      if (q === S.q) return;
      S.q = q;
      saveHash();
      if (S.view === 'board') refreshBoard();
      searchHits(q);
    }, 200);
  }

  async function searchHits(q) {
    const box = $('#hits');
    if (!q) {
      hideHits();
      return;
    }
    const r = await api(`/api/search?${qs({ q, limit: 20 })}`);
    if ($('#q').value.trim() !== q) return;
    if (!r.ok) {
      hideHits(); // the board's own request reports the error in #message
      return;
    }
    const hits = r.body.hits || [];
    fill(box,
      h('p', { class: 'hits-head', text: `${r.body.total ?? hits.length} match${(r.body.total ?? hits.length) === 1 ? '' : 'es'} in all kinds` }),
      h('ul', {}, hits.map((hit) => h('li', {},
        h('button', {
          type: 'button', class: 'hit', 'data-id': hit.id,
          onclick: () => { hideHits(); openRecord(hit.id); },
        },
        h('span', { class: 'id', text: hit.id }),
        h('span', { class: 'title', text: hit.title || '' }),
        h('span', { class: 'where', text: [hit.kind, hit.state].filter(Boolean).join(' · ') }))))),
    );
    box.hidden = !document.activeElement || !$('#filters .search').contains(document.activeElement);
  }

  function hideHits() {
    $('#hits').hidden = true;
  }

  // ---------------------------------------------------------------- board

  function boardParams() {
    return { kind: S.kind, ...S.filters, q: S.q };
  }

  function showBoard() {
    const wasElsewhere = !$('#milestone-view').hidden;
    S.view = 'board';
    S.milestoneId = null;
    $('#board-view').hidden = false;
    $('#milestone-view').hidden = true;
    document.body.classList.remove('on-milestone');
    // coming back from the milestone page: the board did not follow changes meanwhile
    if (wasElsewhere || S.boardKey !== qs(boardParams())) refreshBoard();
  }

  async function refreshBoard() {
    const gen = ++S.boardGen;
    const params = boardParams();
    const key = qs(params);
    const same = key === S.boardKey;
    const loaded = new Map(S.columns.map((c) => [c.state, c.cards.length]));
    const r = await api(`/api/board?${qs({ ...params, limit: PAGE })}`);
    if (gen !== S.boardGen) return;
    if (!r.ok) {
      showError(r.body);
      return;
    }
    const cols = (r.body.columns || []).map((c) => ({ state: c.state, total: c.total ?? c.cards.length, cards: c.cards || [] }));
    if (same) {
      // keep the pages the user had scrolled through, so scroll positions stay meaningful
      await Promise.all(cols.map(async (col) => {
        const want = loaded.get(col.state) || 0;
        if (want <= col.cards.length || col.cards.length >= col.total) return;
        const r2 = await api(`/api/column?${qs({ ...params, state: col.state, offset: col.cards.length, limit: want - col.cards.length })}`);
        if (r2.ok) appendUnique(col, r2.body.cards || []);
      }));
      if (gen !== S.boardGen) return;
    }
    if (S.pendingMoves > 0 || S.dragId) {
      // re-rendering now would drop a card that is waiting for the server, or being dragged
      queueRefresh(null);
      return;
    }
    S.columns = cols;
    S.workflow = r.body.workflow || '';
    S.boardKey = key;
    renderBoard(!same);
  }

  function appendUnique(col, cards) {
    const have = new Set(col.cards.map((c) => c.id));
    const add = cards.filter((c) => !have.has(c.id));
    col.cards.push(...add);
    return add;
  }

  function renderBoard(resetScroll) {
    const board = $('#board');
    const scroll = { left: board.scrollLeft, cols: new Map() };
    for (const sec of $$('.column', board)) scroll.cols.set(sec.dataset.state, $('.cards', sec).scrollTop);
    const active = document.activeElement;
    const focus = active?.classList?.contains('card') && board.contains(active)
      ? { id: active.dataset.id, state: active.closest('.column')?.dataset.state } : null;
    if (!S.columns.length) {
      fill(board, h('p', { class: 'empty', text: `No states for kind ${S.kind}.` }));
      return;
    }
    fill(board, ...S.columns.map(renderColumn));
    if (!resetScroll) {
      board.scrollLeft = scroll.left;
      for (const sec of $$('.column', board)) {
        const top = scroll.cols.get(sec.dataset.state);
        if (top) $('.cards', sec).scrollTop = top;
      }
    } else {
      board.scrollLeft = 0;
    }
    if (focus) {
      const card = findCard(focus.id);
      if (card) {
        card.focus({ preventScroll: true });
        if (card.closest('.column')?.dataset.state !== focus.state) card.scrollIntoView({ block: 'nearest', inline: 'nearest' });
      }
    }
  }

  function renderColumn(col, i) {
    const headId = `col-${i}`;
    return h('section', { class: 'column', 'data-state': col.state, 'aria-labelledby': headId },
      h('h2', { id: headId },
        h('span', { class: 'state', text: col.state }),
        h('span', { class: 'count', title: `${col.total} record${col.total === 1 ? '' : 's'}`, text: String(col.total) })),
      h('div', { class: 'cards' }, col.cards.map(renderCard), moreButton(col)));
  }

  function moreButton(col) {
    if (col.cards.length >= col.total) return null;
    return h('button', { type: 'button', class: 'more', 'data-state': col.state },
      `showing ${col.cards.length} of ${col.total} — load more`);
  }

  function renderCard(c) {
    const labels = Array.isArray(c.labels) ? c.labels : [];
    return h('article', {
      class: `card${c.uncommitted ? ' uncommitted' : ''}`,
      'data-id': c.id, 'data-path': c.path || '', 'data-state': c.state || '',
      tabindex: '0', draggable: 'true',
    },
    h('div', { class: 'card-top' },
      h('span', { class: 'id', text: c.id }),
      c.type ? h('span', { class: 'type', text: c.type }) : null,
      c.uncommitted ? h('span', { class: 'dirty', title: 'changed on disk, not committed yet', text: 'uncommitted' }) : null),
    h('div', { class: 'title', text: c.title || '(no title)' }),
    (c.assignee || c.weight != null || c.milestone)
      ? h('div', { class: 'card-meta' },
          c.assignee ? h('span', { class: 'assignee', title: 'assignee', text: `@${c.assignee}` }) : null,
          c.weight != null ? h('span', { class: 'weight', title: 'weight', text: `w${c.weight}` }) : null,
          c.milestone ? h('span', { class: 'milestone', title: 'milestone', text: `%${c.milestone}` }) : null)
      : null,
    labels.length ? h('ul', { class: 'labels', 'aria-label': 'labels' }, labels.map((l) => h('li', { class: 'chip', title: l, text: l }))) : null);
  }

  async function loadMore(state) {
    const col = S.columns.find((c) => c.state === state);
    if (!col || col.cards.length >= col.total || S.loading.has(state)) return;
    S.loading.add(state);
    const gen = S.boardGen;
    const r = await api(`/api/column?${qs({ ...boardParams(), state, offset: col.cards.length, limit: PAGE })}`);
    S.loading.delete(state);
    if (gen !== S.boardGen) return;
    if (!r.ok) {
      showError(r.body);
      return;
    }
    const add = appendUnique(col, r.body.cards || []);
    if (typeof r.body.total === 'number') col.total = r.body.total;
    if (!add.length && (r.body.cards || []).length === 0) col.total = col.cards.length; // nothing more to fetch
    const sec = columnEl(state);
    if (!sec) return;
    const list = $('.cards', sec);
    $('.more', list)?.remove();
    list.append(...add.map(renderCard));
    const more = moreButton(col);
    if (more) list.append(more);
    $('.count', sec).textContent = String(col.total);
  }

  function onBoardScroll(e) {
    const list = e.target;
    if (!(list instanceof Element) || !list.classList.contains('cards')) return;
    if (list.scrollTop + list.clientHeight >= list.scrollHeight - 150) loadMore(list.closest('.column').dataset.state);
  }

  // ---------------------------------------------------------------- moves

  /** Move a record through the workflow; the card (if shown) waits in the target column. */
  async function moveRecord(id, target, assignments = [], from = 'board') {
    const card = findCard(id);
    let restore = null;
    if (card && !card.classList.contains('pending')) {
      const home = card.parentElement;
      const next = card.nextSibling;
      const focused = document.activeElement === card;
      const targetCol = columnEl(target);
      if (targetCol && targetCol !== card.closest('.column')) {
        $('.cards', targetCol).prepend(card);
        if (focused) card.focus({ preventScroll: true });
      }
      card.classList.add('pending');
      card.setAttribute('aria-busy', 'true');
      restore = () => {
        card.classList.remove('pending');
        card.removeAttribute('aria-busy');
        if (!home.isConnected || !card.isConnected) return;
        const hadFocus = document.activeElement === card;
        home.insertBefore(card, next && next.parentNode === home ? next : null);
        if (hadFocus || focused) card.focus({ preventScroll: true });
        card.scrollIntoView({ block: 'nearest', inline: 'nearest' });
      };
    }
    S.pendingMoves++;
    let r;
    try {
      r = await api(`/api/record/${enc(id)}/move`, { method: 'POST', body: { state: target, assignments } });
    } finally {
      S.pendingMoves--;
    }
    if (r.ok) {
      if (card) {
        card.classList.remove('pending');
        card.removeAttribute('aria-busy');
        card.dataset.state = target;
      }
      changed(id, r.body, from);
    } else {
      restore?.();
      showError(r.body);
      if (r.status === 409 && Array.isArray(r.body.missing) && r.body.missing.length) askMissing(id, target, r.body, assignments, from);
    }
    flushQueuedRefresh();
    return r;
  }

  /** A change succeeded: show its result, reload what it touched. */
  function changed(id, body, from) {
    clearMessage();
    if (S.recordId === id) {
      S.recordResult = { id, from, message: body.message || '', diff: body.diff || '', fresh: true };
      loadRecord(id);
    } else {
      notice(body.message, body.diff);
    }
    if (S.view === 'board') refreshBoard();
    else refreshMilestone();
    refreshStatus();
  }

  /** The workflow wants fields for this move: ask for them, then move again. */
  function askMissing(id, target, body, previous, via) {
    const dlg = $('#fields');
    const prev = new Map(previous.map((a) => {
      const i = a.indexOf('=');
      return [a.slice(0, i), a.slice(i + 1)];
    }));
    const names = [...new Set(body.missing)];
    const hints = (body.diagnostics || []).filter((d) => d.hint).map((d) => d.hint);
    const from = findCard(id)?.closest('.column')?.dataset.state;
    const cancel = () => {
      dlg.close();
    };
    const form = h('form', {
      method: 'dialog',
      onsubmit: (e) => {
        e.preventDefault();
        const given = new Map(prev);
        for (const name of names) given.set(name, form.elements.namedItem(name).value);
        dlg.close();
        // The refusal that asked for these fields is answered: it goes now, not when the move's
        // answer comes (the board may show the card moved before that, from the file's change).
        clearMessage();
        moveRecord(id, target, [...given].map(([k, v]) => `${k}=${v}`), via);
      },
    },
    h('h2', { id: 'fields-title', text: `Move ${id}${from ? ` from ${from}` : ''} to ${target}` }),
    h('p', { text: `The workflow needs ${names.length === 1 ? 'this field' : 'these fields'} for the move:` }),
    hints.length ? h('ul', { class: 'hints' }, [...new Set(hints)].map((t) => h('li', { text: t }))) : null,
    h('div', { class: 'field-rows' }, names.map((name, i) => h('div', { class: 'field-row' },
      h('label', { for: `missing-${i}`, text: name }),
      h('input', {
        id: `missing-${i}`, name, type: 'text', required: true, value: prev.get(name) ?? '', autocomplete: 'off',
        list: suggestions(name) ? `suggest-${i}` : null,
      }),
      suggestions(name) ? h('datalist', { id: `suggest-${i}` }, suggestions(name).map((v) => h('option', { value: v }))) : null))),
    h('div', { class: 'buttons' },
      h('button', { type: 'submit', class: 'primary' }, 'Move'),
      h('button', { type: 'button', onclick: cancel }, 'Cancel')));
    fill(dlg, form);
    dlg.onclose = () => {
      const card = findCard(id);
      if (card && (!document.activeElement || document.activeElement === document.body)) card.focus();
    };
    if (dlg.open) dlg.close();
    dlg.showModal();
    form.querySelector('input')?.focus();
  }

  /** Values /api/meta knows for a field, offered while typing it. */
  function suggestions(name) {
    const m = S.meta || {};
    if (name === 'assignee') return m.assignees;
    if (name === 'milestone') return (m.milestones || []).map((x) => x.id);
    if (name === 'labels' || name === 'label') return m.labels;
    if (name === 'type') return m.types;
    return null;
  }

  function stepState(card, delta) {
    const states = S.columns.map((c) => c.state);
    const i = states.indexOf(card.closest('.column')?.dataset.state);
    const j = i + delta;
    return i >= 0 && j >= 0 && j < states.length ? states[j] : null;
  }

  // ---------------------------------------------------------------- board events

  function onBoardClick(e) {
    const more = e.target.closest('button.more');
    if (more) {
      loadMore(more.dataset.state);
      return;
    }
    const card = e.target.closest('.card');
    if (card) openRecord(card.dataset.id, card);
  }

  function focusCard(card) {
    if (!card) return false;
    card.focus();
    card.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    return true;
  }

  async function onBoardKey(e) {
    const card = e.target.closest?.('.card');
    if (!card || e.target !== card) return;
    const { key } = e;
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if ((key === 'Enter' || key === ' ') && !e.shiftKey) {
      e.preventDefault();
      openRecord(card.dataset.id, card);
      return;
    }
    if (e.shiftKey && (key === 'ArrowRight' || key === 'ArrowLeft')) {
      e.preventDefault();
      if (card.classList.contains('pending')) return;
      const target = stepState(card, key === 'ArrowRight' ? 1 : -1);
      if (target) moveRecord(card.dataset.id, target);
      return;
    }
    if (e.shiftKey) return;
    const list = card.parentElement;
    const cards = $$('.card', list);
    const i = cards.indexOf(card);
    if (key === 'ArrowDown') {
      e.preventDefault();
      if (i + 1 < cards.length) focusCard(cards[i + 1]);
      else {
        const state = card.closest('.column').dataset.state;
        await loadMore(state);
        const now = $$('.card', columnEl(state) || list);
        focusCard(now[now.indexOf(findCard(card.dataset.id)) + 1]);
      }
    } else if (key === 'ArrowUp') {
      e.preventDefault();
      if (i > 0) focusCard(cards[i - 1]);
    } else if (key === 'Home' || key === 'End') {
      e.preventDefault();
      focusCard(key === 'Home' ? cards[0] : cards[cards.length - 1]);
    } else if (key === 'ArrowRight' || key === 'ArrowLeft') {
      e.preventDefault();
      const cols = $$('#board .column');
      let c = cols.indexOf(card.closest('.column'));
      const d = key === 'ArrowRight' ? 1 : -1;
      for (c += d; c >= 0 && c < cols.length; c += d) {
        const there = $$('.card', cols[c]);
        if (there.length) {
          focusCard(there[Math.min(i, there.length - 1)]);
          break;
        }
      }
    }
  }

  function onDragStart(e) {
    const card = e.target.closest?.('.card');
    if (!card || card.classList.contains('pending')) {
      e.preventDefault();
      return;
    }
    S.dragId = card.dataset.id;
    e.dataTransfer.effectAllowed = 'move';
    e.dataTransfer.setData('text/plain', card.dataset.id);
    card.classList.add('dragging');
    document.body.classList.add('is-dragging');
  }

  function onDragEnd(e) {
    e.target.closest?.('.card')?.classList.remove('dragging');
    document.body.classList.remove('is-dragging');
    for (const c of $$('#board .column.drop')) c.classList.remove('drop');
    S.dragId = null;
    setTimeout(flushQueuedRefresh, 0); // after a drop's move has started
  }

  function onDragOver(e) {
    const col = e.target.closest?.('.column');
    if (!col || !S.dragId) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'move';
    for (const c of $$('#board .column.drop')) if (c !== col) c.classList.remove('drop');
    col.classList.add('drop');
  }

  function onDragLeave(e) {
    const col = e.target.closest?.('.column');
    if (col && !col.contains(e.relatedTarget)) col.classList.remove('drop');
  }

  function onDrop(e) {
    const col = e.target.closest?.('.column');
    if (!col) return;
    e.preventDefault();
    col.classList.remove('drop');
    const id = S.dragId || e.dataTransfer.getData('text/plain');
    S.dragId = null;
    document.body.classList.remove('is-dragging');
    const card = id && findCard(id);
    if (!card) return;
    card.classList.remove('dragging');
    const from = card.closest('.column')?.dataset.state;
    if (from === col.dataset.state) return;
    moveRecord(id, col.dataset.state);
  }

  // ---------------------------------------------------------------- record drawer

  async function openRecord(id, fromCard) {
    if (fromCard) S.returnFocusId = fromCard.dataset.id;
    else if (document.activeElement?.classList?.contains('card')) S.returnFocusId = document.activeElement.dataset.id;
    const isNew = S.recordId !== id;
    S.recordId = id;
    if (isNew) {
      S.record = null;
      if (S.recordResult?.id !== id) S.recordResult = null;
    }
    saveHash();
    const aside = $('#record');
    if (aside.hidden || isNew) {
      fill(aside, closeButton(() => closeRecord(), 'Close'), h('p', { class: 'muted', text: `loading ${id}…` }));
      aside.hidden = false;
      document.body.classList.add('drawer-open');
    }
    await loadRecord(id, true);
  }

  async function loadRecord(id, focus = false) {
    const gen = ++S.recordGen;
    const r = await api(`/api/record/${enc(id)}`);
    if (gen !== S.recordGen || S.recordId !== id) return;
    if (!r.ok) {
      showError(r.body);
      if (r.status === 404 || r.status === 400) closeRecord();
      return;
    }
    S.record = r.body;
    renderRecord(focus);
  }

  function closeRecord(updateHash = true) {
    const aside = $('#record');
    const hadFocus = aside.contains(document.activeElement);
    aside.hidden = true;
    fill(aside);
    document.body.classList.remove('drawer-open');
    S.recordId = null;
    S.record = null;
    S.recordGen++;
    if (updateHash) saveHash();
    if (hadFocus || document.activeElement === document.body) {
      const card = S.returnFocusId && findCard(S.returnFocusId);
      if (card) card.focus();
    }
  }

  /** What the user typed in the drawer, so a live reload does not throw it away. */
  function snapshotDrawer(aside) {
    if (!aside.dataset.id || aside.dataset.id !== S.recordId) return null;
    const fields = {};
    for (const inp of $$('.field-editor [data-orig]', aside)) if (inp.value !== inp.dataset.orig) fields[inp.name] = inp.value;
    const a = document.activeElement;
    return {
      comment: $('#comment-text', aside)?.value || '',
      update: $('#update-text', aside)?.value || '',
      health: $('#update-health', aside)?.value || '',
      moveTo: $('#move-state', aside)?.value || '',
      addName: $('#add-field-name', aside)?.value || '',
      addValue: $('#add-field-value', aside)?.value || '',
      fields,
      focusId: aside.contains(a) && a.id ? a.id : null,
      focusName: aside.contains(a) && a.name ? a.name : null,
      sel: a && 'selectionStart' in a ? [a.selectionStart, a.selectionEnd] : null,
      scroll: aside.scrollTop,
    };
  }

  function restoreDrawer(aside, snap) {
    if (!snap) return;
    if ($('#comment-text', aside)) $('#comment-text', aside).value = snap.comment;
    if ($('#update-text', aside)) $('#update-text', aside).value = snap.update;
    if (snap.health && $('#update-health', aside)) $('#update-health', aside).value = snap.health;
    if ($('#add-field-name', aside)) $('#add-field-name', aside).value = snap.addName;
    if ($('#add-field-value', aside)) $('#add-field-value', aside).value = snap.addValue;
    for (const inp of $$('.field-editor [data-orig]', aside)) if (inp.name in snap.fields) inp.value = snap.fields[inp.name];
    aside.scrollTop = snap.scroll;
    let el = snap.focusId ? aside.querySelector(`#${CSS.escape(snap.focusId)}`) : null;
    if (!el && snap.focusName) el = $$('[name]', aside).find((x) => x.name === snap.focusName) || null;
    if (el) {
      el.focus({ preventScroll: true });
      if (snap.sel && 'setSelectionRange' in el) {
        try {
          el.setSelectionRange(snap.sel[0], snap.sel[1]);
        } catch { /* not a text input */ }
      }
    }
  }

  function renderRecord(focus) {
    const aside = $('#record');
    const R = S.record;
    const rec = R.record || {};
    const id = rec.id || S.recordId;
    const kind = rec.kind || '';
    const snap = snapshotDrawer(aside);
    const html = R.html || {};
    const states = Array.isArray(R.states) && R.states.length ? R.states : statesOf(kind);
    const state = R.state || rec.stage || rec.state || '';
    const result = S.recordResult?.id === id ? S.recordResult : null;
    /** The outcome of the last change, shown next to the form that made it. */
    const resultBox = (...from) => (result && from.includes(result.from)
      ? h('div', { class: 'result', role: 'status' }, h('p', { class: 'ok', text: result.message || 'saved' }), result.diff ? renderDiff(result.diff) : null)
      : null);

    const moveSel = h('select', { id: 'move-state', name: 'move-state' },
      states.map((s) => h('option', { value: s, selected: s === state }, s)));
    if (!states.includes(state) && state) moveSel.prepend(h('option', { value: state, selected: true }, state));

    const section = (title, ...body) => h('section', { class: 'rec-section' }, h('h3', { text: title }), body);
    const entries = (list, withHealth) => h('ol', { class: 'entries' }, list.map((c) => h('li', { class: 'entry' },
      h('div', { class: 'entry-head' },
        h('span', { class: 'author', text: c.author || 'someone' }),
        h('span', { class: 'date', text: c.date || '' }),
        withHealth && c.health ? h('span', { class: `health ${c.health}`, text: c.health }) : null),
      trusted('div', 'md', c.html || ''))));

    // the state field is changed by Move (the server refuses it in /set)
    const stateField = kindInfo(kind)?.field;
    const fields = (Array.isArray(R.fields) ? R.fields : []).filter((f) => f.name !== stateField);
    for (const f of fields) S.fieldNames.add(f.name);
    const fieldForm = h('form', { class: 'field-editor', onsubmit: (e) => { e.preventDefault(); saveFields(id, e.currentTarget); } },
      h('table', {}, h('tbody', {}, fields.map((f, i) => {
        const v = f.value == null ? '' : String(f.value);
        const multi = v.includes('\n');
        return h('tr', {},
          h('th', { scope: 'row' }, h('label', { for: `fld-${i}`, text: f.name })),
          h('td', {}, multi
            ? h('textarea', { id: `fld-${i}`, name: f.name, rows: String(Math.min(8, v.split('\n').length)), value: v, 'data-orig': v, spellcheck: 'false' })
            : h('input', { id: `fld-${i}`, name: f.name, type: 'text', value: v, 'data-orig': v, spellcheck: 'false', autocomplete: 'off' })));
      }),
      // a field the record does not have yet (the list above holds only the fields it has)
      h('tr', { class: 'add-field' },
        h('th', { scope: 'row' },
          h('label', { for: 'add-field-name', class: 'sr-only', text: 'New field name' }),
          h('input', { id: 'add-field-name', name: 'add-field-name', type: 'text', placeholder: 'new field', list: 'known-fields', spellcheck: 'false', autocomplete: 'off' }),
          h('datalist', { id: 'known-fields' }, [...S.fieldNames].filter((n) => !fields.some((f) => f.name === n)).sort().map((n) => h('option', { value: n })))),
        h('td', {},
          h('label', { for: 'add-field-value', class: 'sr-only', text: 'New field value' }),
          h('input', { id: 'add-field-value', name: 'add-field-value', type: 'text', placeholder: 'value', spellcheck: 'false', autocomplete: 'off' }))))),
      h('p', { class: 'form-note', text: 'An emptied field is unset. A new field: its name and value (`labels+` adds to a list).' }),
      h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary' }, 'Save')));

    const commentForm = h('form', { class: 'comment-form', onsubmit: (e) => { e.preventDefault(); postComment(id, e.currentTarget); } },
      h('label', { for: 'comment-text', class: 'sr-only', text: 'Comment' }),
      h('textarea', { id: 'comment-text', name: 'text', rows: '3', placeholder: 'Write a comment (Markdown)', required: true }),
      h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary' }, 'Comment')));

    const updateForm = kind === 'issue' ? h('form', { class: 'update-form', onsubmit: (e) => { e.preventDefault(); postUpdate(id, e.currentTarget); } },
      h('label', { for: 'update-text', class: 'sr-only', text: 'Weekly update' }),
      h('textarea', { id: 'update-text', name: 'text', rows: '3', placeholder: 'Progress, next steps, help needed', required: true }),
      h('div', { class: 'buttons' },
        h('label', { for: 'update-health', text: 'Health ' }),
        h('select', { id: 'update-health', name: 'health' }, HEALTH.map((x) => h('option', { value: x, selected: x === (rec.health || 'on_track') }, x))),
        h('button', { type: 'submit', class: 'primary' }, 'Post update'))) : null;

    aside.dataset.id = id;
    fill(aside,
      h('div', { class: 'rec-head' },
        h('h2', { id: 'record-title', tabindex: '-1', text: rec.title || id }),
        closeButton(() => closeRecord(), 'Close')),
      h('dl', { class: 'rec-facts' },
        h('dt', {}, 'id'), h('dd', {}, h('code', { text: id })),
        h('dt', {}, 'path'), h('dd', {}, h('code', { text: rec.path || '' })),
        h('dt', {}, 'kind'), h('dd', { text: [kind, R.workflow ? `workflow ${R.workflow}` : ''].filter(Boolean).join(' · ') }),
        h('dt', {}, 'state'), h('dd', {}, h('span', { class: 'state-pill', text: state }),
          R.uncommitted ? h('span', { class: 'dirty', text: 'uncommitted' }) : null)),
      h('form', { class: 'move-form', onsubmit: (e) => { e.preventDefault(); moveFromDrawer(id, moveSel.value, e.currentTarget); } },
        h('label', { for: 'move-state', text: 'Move to ' }), moveSel,
        h('button', { type: 'submit', class: 'primary' }, 'Move'),
        kind === 'milestone' ? h('button', { type: 'button', class: 'plan', onclick: () => openMilestone(id) }, 'Plan') : null),
      resultBox('board', 'move'),
      // description, gameplan, review (and any other text the server renders, e.g. blueprint)
      htmlTexts(html).map(([k, v]) => section(titleCase(k), trusted('div', 'md', v))),
      // long text the contract renders no HTML for (e.g. ops' `blueprint`): plain text
      plainTexts(rec, html).map(([k, v]) => section(titleCase(k), h('div', { class: 'plain', text: v }))),
      html.updates?.length ? section('Weekly updates', entries(html.updates, true)) : null,
      html.comments?.length ? section('Comments', entries(html.comments, false)) : null,
      section('Add a comment', commentForm, resultBox('comment')),
      updateForm ? section('Post the weekly update', updateForm, resultBox('update')) : null,
      section('Fields', fieldForm, resultBox('fields')),
    );
    restoreDrawer(aside, snap);
    if (snap?.moveTo && snap.moveTo !== state && states.includes(snap.moveTo)) moveSel.value = snap.moveTo;
    aside.hidden = false;
    document.body.classList.add('drawer-open');
    if (focus) $('#record-title').focus();
    if (result?.fresh) {
      result.fresh = false;
      $('.result', aside)?.scrollIntoView({ block: 'nearest' });
    }
  }

  const TEXT_ORDER = ['description', 'gameplan', 'blueprint', 'review'];

  function htmlTexts(html) {
    const rank = (k) => (TEXT_ORDER.includes(k) ? TEXT_ORDER.indexOf(k) : TEXT_ORDER.length);
    return Object.entries(html).filter(([, v]) => typeof v === 'string' && v.trim())
      .sort(([a], [b]) => rank(a) - rank(b));
  }

  function titleCase(k) {
    const t = k.replace(/_/g, ' ');
    return t.charAt(0).toUpperCase() + t.slice(1);
  }

  function plainTexts(rec, html) {
    const skip = new Set(['id', 'kind', 'path', 'title', 'comments', 'updates', ...Object.keys(html)]);
    return Object.entries(rec).filter(([k, v]) => typeof v === 'string' && v.includes('\n') && !skip.has(k));
  }

  async function withBusy(form, fn) {
    const buttons = $$('button', form);
    for (const b of buttons) b.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      return await fn();
    } finally {
      for (const b of buttons) b.disabled = false;
      form.removeAttribute('aria-busy');
    }
  }

  async function moveFromDrawer(id, state, form) {
    await withBusy(form, () => moveRecord(id, state, [], 'move'));
  }

  function answer(id, r, from, onOk) {
    if (r.ok) {
      onOk?.();
      changed(id, r.body, from);
    } else {
      showError(r.body);
    }
  }

  function kindOfForm(form) {
    return form.classList.contains('update-form') ? 'update' : 'comment';
  }

  async function saveFields(id, form) {
    const assignments = [];
    const unset = [];
    const inputs = $$('[data-orig]', form);
    for (const inp of inputs) {
      if (inp.value === inp.dataset.orig) continue;
      if (inp.value.trim() === '') unset.push(inp.name);
      else assignments.push(`${inp.name}=${inp.value}`);
    }
    const newName = $('#add-field-name', form)?.value.trim();
    const newValue = $('#add-field-value', form)?.value ?? '';
    if (newName) assignments.push(`${newName}=${newValue}`);
    if (!assignments.length && !unset.length) {
      notice('nothing to save: no field changed');
      return;
    }
    const r = await withBusy(form, () => api(`/api/record/${enc(id)}/set`, { method: 'POST', body: { assignments, unset } }));
    answer(id, r, 'fields', () => {
      for (const inp of inputs) inp.value = inp.dataset.orig;
      for (const x of $$('.add-field input', form)) x.value = '';
    });
  }

  async function postComment(id, form) {
    const ta = $('textarea', form);
    const text = ta.value;
    if (!text.trim()) return;
    const r = await withBusy(form, () => api(`/api/record/${enc(id)}/comment`, { method: 'POST', body: { text } }));
    answer(id, r, kindOfForm(form), () => { ta.value = ''; });
  }

  async function postUpdate(id, form) {
    const ta = $('textarea', form);
    const text = ta.value;
    if (!text.trim()) return;
    const health = $('select', form).value;
    const r = await withBusy(form, () => api(`/api/record/${enc(id)}/update`, { method: 'POST', body: { text, health } }));
    answer(id, r, kindOfForm(form), () => { ta.value = ''; });
  }

  // ---------------------------------------------------------------- milestone page

  function openMilestone(id) {
    S.navFromBoard = S.view === 'board';
    closeRecord(false);
    S.view = 'milestone';
    S.milestoneId = id;
    location.hash = hashFor(`/milestone/${enc(id)}`); // a history entry: Back returns to the board
  }

  function backToBoard() {
    if (S.navFromBoard) {
      S.navFromBoard = false;
      history.back();
    } else {
      S.view = 'board';
      S.milestoneId = null;
      location.hash = hashFor('/board');
    }
  }

  function showMilestone(id) {
    const fresh = S.milestoneId !== id || $('#milestone-view').hidden;
    S.view = 'milestone';
    S.milestoneId = id;
    $('#board-view').hidden = true;
    $('#milestone-view').hidden = false;
    document.body.classList.add('on-milestone');
    if (fresh) {
      fill($('#milestone-view'),
        h('div', { class: 'ms-nav' }, h('button', { type: 'button', class: 'back', onclick: backToBoard }, '← Board')),
        h('p', { class: 'muted', text: `loading milestone ${id}…` }));
    }
    refreshMilestone(fresh);
  }

  async function refreshMilestone(focus = false) {
    if (S.view !== 'milestone' || !S.milestoneId) return;
    const id = S.milestoneId;
    const gen = ++S.milestoneGen;
    const r = await api(`/api/milestone/${enc(id)}`);
    if (gen !== S.milestoneGen || S.milestoneId !== id) return;
    const view = $('#milestone-view');
    const nav = h('div', { class: 'ms-nav' }, h('button', { type: 'button', class: 'back', onclick: backToBoard }, '← Board'));
    if (!r.ok) {
      fill(view, nav, h('p', { class: 'error', text: r.body.error }));
      showError(r.body);
      return;
    }
    const scroll = view.scrollTop;
    renderMilestone(view, nav, id, r.body);
    view.scrollTop = scroll;
    if (focus) $('.back', view).focus();
  }

  function planItems(list, emptyText) {
    if (!Array.isArray(list) || !list.length) return h('p', { class: 'muted', text: emptyText });
    return h('ol', { class: 'plan-items' }, list.map((it) => {
      if (typeof it !== 'object' || it == null) return h('li', { text: String(it) });
      const extra = Object.entries(it).filter(([k, v]) => !['id', 'title', 'weight', 'priority'].includes(k) && v != null && typeof v !== 'object');
      return h('li', {},
        it.id ? h('button', { type: 'button', class: 'link rec-link', onclick: () => openRecord(it.id) }, it.id) : null,
        h('span', { class: 'title', text: it.title || '' }),
        h('span', { class: 'weight', text: it.weight == null ? 'unweighted' : `w${fmtNum(it.weight)}` }),
        it.priority ? h('span', { class: 'chip', text: it.priority }) : null,
        extra.map(([k, v]) => h('span', { class: 'muted', text: `${k}: ${v}` })));
    }));
  }

  function renderMilestone(view, nav, id, M) {
    const rec = M.record || {};
    const plan = M.plan;
    const facts = [];
    const fact = (k, v) => {
      if (v == null || v === '') return;
      facts.push(h('dt', { text: k }), h('dd', { text: typeof v === 'number' ? fmtNum(v) : String(v) }));
    };
    if (plan) {
      fact('capacity (weight)', plan.capacity);
      fact('committed weight', plan.committed_weight);
      fact('carryover weight', plan.carryover_weight);
      fact('velocity', plan.velocity != null ? `${fmtNum(plan.velocity)}${plan.velocity_source ? ` (${plan.velocity_source})` : ''}` : null);
      fact('development share', plan.development_share);
      fact('over capacity', plan.over_capacity == null ? null : plan.over_capacity ? 'yes' : 'no');
      fact('finalize by', plan.finalize_by);
      fact('retro due', plan.retro_due);
    }
    const people = plan && Array.isArray(plan.people) && plan.people.length
      ? h('table', { class: 'people' },
          h('thead', {}, h('tr', {}, h('th', { text: 'person' }), h('th', { text: 'days' }), h('th', { text: 'weight' }))),
          h('tbody', {}, plan.people.map((p) => h('tr', {},
            h('td', { text: p.person ?? '' }), h('td', { text: fmtNum(p.days) }), h('td', { text: fmtNum(p.weight) })))))
      : null;
    const others = plan ? ['unrefined', 'split', 'carryover', 'parking_lot']
      .filter((k) => Array.isArray(plan[k]) && plan[k].length)
      .map((k) => h('section', { class: 'plan-list' }, h('h3', { text: k.replace('_', ' ') }), planItems(plan[k], ''))) : [];
    fill(view,
      nav,
      h('header', { class: 'ms-head' },
        h('h2', { text: `${rec.title || plan?.title || id}` }, h('span', { class: 'muted', text: ` ${id}` })),
        h('p', { class: 'muted', text: [rec.stage || rec.state, (rec.start || plan?.start) && `${rec.start || plan.start} → ${rec.end || plan?.end || '?'}`].filter(Boolean).join(' · ') }),
        h('button', { type: 'button', class: 'link', onclick: () => openRecord(id) }, 'open the milestone record')),
      plan ? h('div', { class: 'ms-grid' },
        h('section', { class: 'capacity' }, h('h3', { text: 'Capacity' }), h('dl', {}, facts), people),
        h('section', { class: 'plan-list' }, h('h3', { text: `Deliverable (${plan.deliverables?.length || 0})` }), planItems(plan.deliverables, 'nothing deliverable')),
        h('section', { class: 'plan-list' }, h('h3', { text: `Stretch (${plan.stretch?.length || 0})` }), planItems(plan.stretch, 'no stretch items')),
        others) : null,
      h('div', { class: 'charts' },
        M.burndown_svg ? h('figure', {}, trusted('div', 'svg', M.burndown_svg), h('figcaption', { text: 'Burndown' })) : null,
        M.flow_svg ? h('figure', {}, trusted('div', 'svg', M.flow_svg), h('figcaption', { text: 'Flow' })) : null),
    );
  }

  // ---------------------------------------------------------------- live updates

  function setLive(up, label) {
    const el = $('#live');
    el.textContent = label || (up ? 'live' : 'reconnecting');
    el.classList.toggle('up', up);
    el.classList.toggle('down', !up);
  }

  function connectEvents() {
    if (typeof EventSource === 'undefined') return;
    const es = new EventSource(`/api/events?token=${enc(TOKEN)}`);
    S.es = es;
    es.addEventListener('open', () => {
      setLive(true);
      if (S.esDown) {
        S.esDown = false;
        requestRefresh(null); // we may have missed changes while away
      }
    });
    es.addEventListener('error', async () => {
      setLive(false);
      S.esDown = true;
      if (es.readyState !== EventSource.CLOSED || S.es !== es) return; // the browser retries by itself
      // the server refused the stream: find out why before trying again
      const r = await api('/api/status');
      if (r.status === 403) {
        showError({ error: 'the server no longer accepts this page\'s token', hint: 'docket serve was restarted: open the URL it printed now' });
        setLive(false, 'offline');
        setTimeout(connectEvents, 30000);
      } else {
        setTimeout(connectEvents, 3000);
      }
    });
    es.addEventListener('change', (ev) => {
      let paths = null;
      try {
        const d = JSON.parse(ev.data);
        if (Array.isArray(d?.paths)) paths = d.paths;
      } catch { /* refresh everything */ }
      requestRefresh(paths);
    });
  }

  function queueRefresh(paths) {
    if (!S.queuedRefresh) S.queuedRefresh = { paths: new Set() };
    if (paths == null) S.queuedRefresh.paths = null;
    else if (S.queuedRefresh.paths) for (const p of paths) S.queuedRefresh.paths.add(p);
  }

  function flushQueuedRefresh() {
    if (S.pendingMoves > 0 || S.dragId || !S.queuedRefresh) return;
    const q = S.queuedRefresh;
    S.queuedRefresh = null;
    requestRefresh(q.paths ? [...q.paths] : null);
  }

  /** Files changed on disk (paths, or null for "anything"): reload what shows them. */
  function requestRefresh(paths) {
    if (S.refreshPaths !== null) {
      if (paths == null) S.refreshPaths = null;
      else S.refreshPaths = [...(S.refreshPaths || []), ...paths];
    }
    clearTimeout(S.refreshTimer);
    S.refreshTimer = setTimeout(() => {
      const p = S.refreshPaths;
      S.refreshPaths = undefined;
      if (S.pendingMoves > 0 || S.dragId) {
        queueRefresh(p);
        return;
      }
      refreshStatus();
      if (S.view === 'board') refreshBoard();
      else refreshMilestone();
      const recPath = S.record?.record?.path;
      if (S.recordId && (p == null || !recPath || p.includes(recPath))) loadRecord(S.recordId);
    }, 60);
  }

  // ---------------------------------------------------------------- start

  function onGlobalKey(e) {
    if (e.key !== 'Escape' || e.defaultPrevented) return;
    if ($('#fields').open) return; // the dialog closes itself
    if (!$('#hits').hidden) {
      hideHits();
      e.preventDefault();
      return;
    }
    if (!$('#record').hidden) {
      closeRecord();
      e.preventDefault();
      return;
    }
    if (!$('#message').hidden) clearMessage();
  }

  async function start() {
    const board = $('#board');
    board.addEventListener('click', onBoardClick);
    board.addEventListener('keydown', onBoardKey);
    board.addEventListener('dragstart', onDragStart);
    board.addEventListener('dragend', onDragEnd);
    board.addEventListener('dragover', onDragOver);
    board.addEventListener('dragleave', onDragLeave);
    board.addEventListener('drop', onDrop);
    board.addEventListener('scroll', onBoardScroll, true);
    document.addEventListener('keydown', onGlobalKey);
    $('#filters').addEventListener('submit', (e) => e.preventDefault());
    for (const id of ['#kind', ...FILTERS.map((f) => `#f-${f}`)]) $(id).addEventListener('change', onFilterChange);
    $('#q').addEventListener('input', onSearchInput);
    $('#q').addEventListener('focus', () => { if ($('#q').value.trim() && $('#hits').childElementCount) $('#hits').hidden = false; });
    $('#q').addEventListener('keydown', (e) => {
      if (e.key === 'ArrowDown' && !$('#hits').hidden) {
        e.preventDefault();
        $('#hits .hit')?.focus();
      } else if (e.key === 'Enter') {
        e.preventDefault();
        clearTimeout(S.searchTimer);
        S.q = $('#q').value.trim();
        saveHash();
        if (S.view === 'board') refreshBoard();
        searchHits(S.q);
      }
    });
    $('#hits').addEventListener('keydown', (e) => {
      if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
      const hits = $$('#hits .hit');
      const i = hits.indexOf(document.activeElement);
      e.preventDefault();
      if (e.key === 'ArrowDown' && i + 1 < hits.length) hits[i + 1].focus();
      else if (e.key === 'ArrowUp') (i > 0 ? hits[i - 1] : $('#q')).focus();
    });
    $('#filters .search').addEventListener('focusout', (e) => {
      if (!e.relatedTarget || !$('#filters .search').contains(e.relatedTarget)) setTimeout(() => {
        if (!$('#filters .search').contains(document.activeElement)) hideHits();
      }, 150);
    });
    $('#clear-filters').addEventListener('click', () => {
      for (const f of FILTERS) S.filters[f] = '';
      S.q = '';
      $('#q').value = '';
      hideHits();
      syncControls();
      saveHash();
      if (S.view === 'board') refreshBoard();
    });
    window.addEventListener('hashchange', route);

    if (!TOKEN) {
      showError({ error: 'this page has no token', hint: 'open the board with the URL `docket serve` printed' });
    }
    if (!(await loadMeta())) return;
    await route();
    refreshStatus();
    connectEvents();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
