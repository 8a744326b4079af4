// The launcher's styles, inside the closed shadow root (the page's CSS cannot reach them).
export const launcherStyles = `
:host{all:initial;position:fixed;z-index:2147483647;bottom:20px;right:20px;font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;--p:var(--ccgpt-primary,#2563eb);--t:var(--ccgpt-text,#fff)}
:host(.left){right:auto;left:20px}
.launcher{display:flex;align-items:center;gap:8px;min-height:52px;padding:0 20px;border:0;border-radius:26px;background:var(--p);color:var(--t);font:inherit;font-weight:600;cursor:pointer;box-shadow:0 4px 16px rgba(0,0,0,.25);position:relative}
.launcher:focus-visible{outline:3px solid var(--p);outline-offset:3px}
.launcher::before{content:"";width:20px;height:20px;background:currentColor;-webkit-mask:var(--i) center/contain no-repeat;mask:var(--i) center/contain no-repeat;--i:url("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24'%3E%3Cpath d='M4 4h16v12H8l-4 4z'/%3E%3C/svg%3E")}
.badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 5px;box-sizing:border-box;border-radius:10px;background:#dc2626;color:#fff;font-size:12px;line-height:20px;text-align:center}
.badge[hidden],.panel[hidden]{display:none}
.panel{position:fixed;bottom:84px;right:20px;width:380px;height:min(640px,calc(100vh - 104px));border-radius:14px;overflow:hidden;box-shadow:0 8px 32px rgba(0,0,0,.3);background:#fff}
:host(.left) .panel{right:auto;left:20px}
iframe{display:block;width:100%;height:100%;border:0}
@media (max-width:479.98px){.panel,:host(.left) .panel{inset:0;width:100%;height:100%;border-radius:0}:host(.open) .launcher{display:none}}
@media (prefers-reduced-motion:no-preference){.launcher{transition:transform .15s}.launcher:hover{transform:scale(1.04)}}
`;
