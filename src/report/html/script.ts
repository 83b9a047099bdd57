// The page's one script (its hash goes into the Content-Security-Policy). It only adds
// interaction: hovering, focusing, clicking or selecting bytes of a hex view shows that field's
// label, value, place, purpose and message in the side panel. It reads the field table from the
// `application/json` block and writes with textContent only, never markup.

export const PAGE_SCRIPT = `(function () {
  'use strict';
  var block = document.getElementById('tls-trace-data');
  var panel = document.getElementById('field-info');
  if (!block || !panel) return;
  var data;
  try { data = JSON.parse(block.textContent || '{}'); } catch (e) { return; }
  var fields = data.fields || [];
  var texts = data.texts || [];
  var current = null;
  var pinned = false;
  function set(id, text) { var el = document.getElementById(id); if (el) el.textContent = text; }
  function show(span) {
    var f = fields[Number(span.getAttribute('data-i'))];
    if (!f) return;
    if (current) current.classList.remove('sel');
    current = span;
    span.classList.add('sel');
    panel.hidden = false;
    set('fi-label', f.label);
    set('fi-value', f.value === '' ? '(in the label)' : f.value);
    set('fi-path', f.path === '' ? '(top level)' : f.path);
    var shown = span.getAttribute('data-cut');
    set('fi-where', 'offset 0x' + f.offset.toString(16) + ' (' + f.offset + ') · ' + f.length + ' byte' + (f.length === 1 ? '' : 's') + (shown ? ', ' + shown + ' shown' : ''));
    set('fi-about', texts[f.about] || '—');
    set('fi-purpose', texts[f.purpose] || '—');
  }
  function fieldOf(node) {
    var el = node && node.nodeType === 3 ? node.parentElement : node;
    return el && el.closest ? el.closest('.hex .f') : null;
  }
  document.addEventListener('mouseover', function (e) { var s = fieldOf(e.target); if (s && !pinned) show(s); });
  document.addEventListener('focusin', function (e) { var s = fieldOf(e.target); if (s) show(s); });
  document.addEventListener('click', function (e) {
    var s = fieldOf(e.target);
    if (s) { pinned = true; show(s); } else if (!panel.contains(e.target)) pinned = false;
  });
  document.addEventListener('selectionchange', function () {
    var sel = document.getSelection();
    var s = sel && !sel.isCollapsed ? fieldOf(sel.anchorNode) : null;
    if (s) { pinned = true; show(s); }
  });
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape') { pinned = false; panel.hidden = true; if (current) current.classList.remove('sel'); current = null; }
  });
  var hint = document.getElementById('hint');
  if (hint) hint.textContent = 'Hover, click, select or tab to any byte to see its field, value and purpose (Esc hides the panel).';
})();
`;
