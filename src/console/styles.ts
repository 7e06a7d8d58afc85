/**
 * The console's style sheet, served as /X/static/console.css (the CSP allows
 * style sheets from the console only, no inline styles). One column on a
 * phone, the two accounts side by side from 48rem; colours keep a contrast
 * ratio above 4.5:1 (WCAG AA).
 */
export const CONSOLE_CSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#f6f7f9}
header{background:#1f3a5f;color:#fff;padding:.75rem 1rem}
header h1{margin:0;font-size:1.25rem}
header a{color:#fff;text-decoration:none}
main{max-width:64rem;margin:0 auto;padding:1rem}
footer{max-width:64rem;margin:0 auto;padding:0 1rem 2rem;color:#444;font-size:.9rem}
fieldset{border:1px solid #c5ccd6;border-radius:.5rem;background:#fff;margin:0 0 1rem;padding:.75rem 1rem 1rem;min-width:0}
legend{font-weight:600;padding:0 .25rem}
label{display:block;margin:.6rem 0 .2rem;font-weight:500}
label.check{font-weight:400;display:flex;gap:.5rem;align-items:center}
input:not([type=checkbox]),select,textarea{width:100%;padding:.5rem;font:inherit;border:1px solid #7a8594;border-radius:.35rem;background:#fff;color:#1a1a1a}
input:focus,select:focus,textarea:focus,button:focus,summary:focus,pre:focus{outline:3px solid #3b82c4;outline-offset:1px}
input[aria-invalid=true]{border-color:#b3261e}
details{margin-top:.6rem}
summary{cursor:pointer;color:#1f3a5f}
.sides{display:grid;gap:1rem}
@media (min-width:48rem){.sides{grid-template-columns:1fr 1fr}}
.buttons{display:flex;flex-wrap:wrap;gap:.75rem;margin:1rem 0}
button{font:inherit;font-weight:600;padding:.6rem 1.2rem;border-radius:.35rem;border:1px solid #1f3a5f;background:#1f3a5f;color:#fff;cursor:pointer;min-height:2.75rem}
button.secondary{background:#fff;color:#1f3a5f}
button.danger{background:#b3261e;border-color:#b3261e}
.hint{color:#444;font-size:.9rem}
.field-error{display:block;color:#b3261e;font-size:.9rem}
.notice{padding:.6rem .8rem;border-radius:.35rem;border:1px solid}
.notice.ok{background:#e7f4ea;border-color:#2e7d32;color:#1b4d1f}
.notice.error{background:#fdecea;border-color:#b3261e;color:#7a1a14}
.notice.info{background:#e8f0fa;border-color:#1f3a5f;color:#1f3a5f}
ul.logins{list-style:none;padding:0}
ul.logins li{padding:.4rem .6rem;border-radius:.35rem;margin:.25rem 0}
ul.logins li.ok{background:#e7f4ea;color:#1b4d1f}
ul.logins li.error{background:#fdecea;color:#7a1a14}
.sync{background:#fff;border:1px solid #c5ccd6;border-radius:.5rem;padding:1rem;margin:1rem 0}
.sync h2{margin-top:0;font-size:1.2rem;overflow-wrap:anywhere}
progress{width:100%;height:1.25rem}
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(8rem,1fr));gap:.5rem;margin:.75rem 0}
.figures div{background:#f1f3f6;border-radius:.35rem;padding:.4rem .6rem}
.figures dt{font-size:.8rem;color:#444}
.figures dd{margin:0;font-weight:600;font-variant-numeric:tabular-nums}
.security{padding-left:1.2rem;overflow-wrap:anywhere}
pre.log{background:#14181f;color:#e6e6e6;padding:.75rem;border-radius:.35rem;max-height:24rem;overflow:auto;white-space:pre-wrap;overflow-wrap:anywhere;font-size:.85rem}
code{overflow-wrap:anywhere}
header.admin{display:flex;justify-content:space-between;align-items:center;gap:1rem;flex-wrap:wrap}
header .who{display:flex;gap:.75rem;align-items:center}
main.wide{max-width:90rem}
form.narrow{max-width:32rem}
.filters{display:grid;grid-template-columns:repeat(auto-fit,minmax(11rem,1fr));gap:.5rem 1rem;align-items:end;background:#fff;border:1px solid #c5ccd6;border-radius:.5rem;padding:.5rem 1rem;margin-bottom:1rem}
.filters .buttons{margin:.5rem 0;align-items:center}
.admin-table{width:100%;border-collapse:collapse;background:#fff;margin:0 0 1.5rem;font-size:.92rem}
.admin-table caption{text-align:left;font-weight:600;font-size:1.1rem;padding:.4rem 0}
.admin-table th,.admin-table td{border-bottom:1px solid #d5dae1;padding:.4rem .5rem;text-align:left;vertical-align:top;overflow-wrap:break-word}
.admin-table thead th{background:#eef1f5}
.admin-table tr.at-cap td,.admin-table tr.at-cap th{background:#fff4e0}
.actions{display:flex;flex-wrap:wrap;gap:.35rem;margin-top:.35rem}
form.inline{display:inline}
button.small{padding:.25rem .6rem;min-height:2rem;font-size:.85rem}
.upload{background:#fff;border:1px solid #c5ccd6;border-radius:.5rem;padding:.5rem 1rem}
.notice{white-space:pre-line}
@media (max-width:48rem){.admin-table{display:block;overflow-x:auto}}
`;
