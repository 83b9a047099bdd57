// The page's one stylesheet (its hash goes into the Content-Security-Policy): light and dark
// schemes from prefers-color-scheme, a print layout, and the field colours of the hex views.

export const PAGE_CSS = `
:root{color-scheme:light dark;--bg:#fdfdfc;--fg:#1c1c1c;--dim:#666;--card:#fff;--line:#d8d8d8;--client:#1f5fbf;--server:#a3461a;
--good:#1d7a35;--bad:#b3261e;--warn:#8a6200;--sel:#ffe27a;--c0:#e6f0ff;--c1:#fdebd8;--c2:#e5f6e8;--c3:#f3e6fa;--c4:#fff5cc;--c5:#e3f4f6}
@media (prefers-color-scheme:dark){:root{--bg:#15171a;--fg:#e4e4e4;--dim:#9a9a9a;--card:#1e2126;--line:#3a3e45;--client:#7fb0ff;--server:#ff9d6e;
--good:#6fd08a;--bad:#ff7b72;--warn:#e3b341;--sel:#6b5a00;--c0:#1f2d44;--c1:#3d2a1c;--c2:#1d3524;--c3:#33243d;--c4:#3a3419;--c5:#1b3538}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1100px;padding:1rem 1.5rem 6rem;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}
h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.25rem;border-bottom:1px solid var(--line);padding-bottom:.2rem;margin-top:2rem}
h3{font-size:1.05rem;margin:1.2rem 0 .4rem}h4{font-size:1rem;margin:0 0 .4rem}
code,.hex,.ladder text{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace}
a{color:inherit}nav a{margin-right:1rem}
.dim,.meta{color:var(--dim)}.good{color:var(--good)}.bad{color:var(--bad)}.warn{color:var(--warn)}.cap{color:var(--warn);font-style:italic}
.client{color:var(--client)}.server{color:var(--server)}
.banner{border:2px solid var(--bad);padding:.5rem 1rem;color:var(--bad);font-weight:600}
dl.rows{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:.4rem 0}dl.rows dt{color:var(--dim)}dl.rows dd{margin:0}
.outcome{font-weight:600}
.ladder{max-width:100%;height:auto;display:block;margin:0 auto}
.ladder .rail{stroke:var(--line);stroke-width:2}.ladder .who{font-weight:700;fill:var(--fg);font-size:14px}
.ladder text{font-size:12px;fill:var(--fg)}.ladder .time,.ladder .rtt,.ladder .size{fill:var(--dim);font-size:11px}
.ladder .client .shaft{stroke:var(--client)}.ladder .server .shaft{stroke:var(--server)}.ladder .shaft{stroke-width:2}
.ladder .client .names{fill:var(--client)}.ladder .server .names{fill:var(--server)}
.ladder .tcp .shaft,.ladder .prologue .shaft{stroke-dasharray:4 3}
.ladder marker.client path{fill:var(--client)}.ladder marker.server path{fill:var(--server)}
.ladder a:hover .names,.ladder a:focus .names{text-decoration:underline}
.flight>h3{color:var(--dim)}.flight.client>h3{color:var(--client)}.flight.server>h3{color:var(--server)}
.step{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--client);border-radius:6px;padding:.7rem 1rem;margin:.6rem 0;break-inside:avoid-page}
.step.server{border-left-color:var(--server);margin-left:2rem}.step.client{margin-right:2rem}
.step .num{color:var(--dim)}.step.client .dir{color:var(--client)}.step.server .dir{color:var(--server)}.step .meta{font-weight:400;font-size:.85rem}
.step dl{display:grid;grid-template-columns:max-content 1fr;gap:0 1rem;margin:.2rem 0 .5rem;font-size:.92rem}.step dt{color:var(--dim)}.step dd{margin:0;overflow-wrap:anywhere}
.explain{margin:.4rem 0;font-style:italic}
figure.dump{margin:.6rem 0;padding:0}figure.dump figcaption{font-size:.8rem;color:var(--dim)}
.hex{width:49ch;max-width:100%;font-size:13px;line-height:1.6;word-spacing:0;overflow-wrap:normal}
.hex .f{border-radius:2px;cursor:pointer;outline:none}.hex .f:focus-visible{outline:2px solid var(--fg)}
.c0{background:var(--c0)}.c1{background:var(--c1)}.c2{background:var(--c2)}.c3{background:var(--c3)}.c4{background:var(--c4)}.c5{background:var(--c5)}
.hex .f.bad{background:transparent;text-decoration:underline wavy var(--bad)}
.hex .f.sel,.hex .f:hover{background:var(--sel)}
details.legend{font-size:.82rem}details.legend ol{list-style:none;padding-left:0;margin:.2rem 0;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;font-size:.92rem;margin:.4rem 0}th,td{border-bottom:1px solid var(--line);padding:.25rem .5rem;text-align:left;vertical-align:top;overflow-wrap:break-word}
thead th{color:var(--dim);font-weight:600;white-space:nowrap}table.chain td{overflow-wrap:anywhere}table.chain td:first-child,table.chain td:nth-child(6),table.chain td:nth-child(7){white-space:nowrap;overflow-wrap:normal}
code.secret{overflow-wrap:anywhere;font-size:.85rem}
ul.marks{list-style:none;padding-left:.5rem}
#field-info{position:fixed;right:1rem;bottom:1rem;width:min(28rem,calc(100% - 2rem));background:var(--card);border:1px solid var(--line);border-radius:8px;
padding:.6rem .9rem;box-shadow:0 4px 18px rgba(0,0,0,.25);font-size:.9rem;max-height:45vh;overflow:auto}
#field-info h2{font-size:.8rem;margin:0 0 .3rem;border:0;color:var(--dim);text-transform:uppercase;letter-spacing:.05em}
#field-info dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem;margin:0}#field-info dt{color:var(--dim)}#field-info dd{margin:0;overflow-wrap:anywhere}
footer{margin-top:3rem;color:var(--dim);font-size:.85rem}
@media print{
:root{--bg:#fff;--fg:#000;--card:#fff;--dim:#444;--line:#bbb}
body{max-width:none;padding:0;font-size:11pt}
nav,#field-info,.hint{display:none!important}
details.legend::details-content{content-visibility:visible;display:block}
.step{box-shadow:none}h2{break-after:avoid}figure.dump,table{break-inside:auto}
a{text-decoration:none}
}
`;
