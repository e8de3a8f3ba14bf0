/// The site's stylesheet: a fixed module list beside the content on wide screens, above it on
/// narrow ones (a long module name wraps there rather than being clipped); `.prs` source in
/// tinted blocks; the definition an anchor points at highlighted.
enum Stylesheet {
    static let css = """
        :root {
          --fg: #1f2328; --muted: #59636e; --bg: #ffffff; --side: #f6f8fa; --border: #d1d9e0;
          --accent: #0550ae; --code-bg: #f6f8fa; --bind: #8250df; --lit: #0a3069; --kw: #953800;
          --def: #116329; --bad: #a40e26; --bad-bg: #ffebe9; --good: #1a7f37; --good-bg: #dafbe1;
          --target: #fff8c5;
        }
        * { box-sizing: border-box; }
        html { -webkit-text-size-adjust: 100%; }
        body {
          margin: 0; color: var(--fg); background: var(--bg);
          font: 16px/1.55 system-ui, -apple-system, "Segoe UI", "Noto Sans", "DejaVu Sans", sans-serif;
          display: grid; grid-template-columns: 16rem minmax(0, 1fr); min-height: 100vh;
        }
        a { color: var(--accent); text-decoration: none; }
        a:hover, a:focus { text-decoration: underline; }
        code, pre { font-family: ui-monospace, "SF Mono", "Cascadia Mono", "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.875em; }
        code { background: var(--code-bg); border-radius: 4px; padding: 0.05em 0.3em; }
        a code { color: var(--accent); }

        nav.sidebar {
          background: var(--side); border-right: 1px solid var(--border); padding: 1.25rem 1rem 2rem;
          position: sticky; top: 0; height: 100vh; overflow-y: auto; font-size: 0.9rem;
        }
        nav.sidebar .site-title { font-weight: 650; font-size: 1.1rem; margin: 0 0 0.75rem; }
        nav.sidebar .site-title a { color: var(--fg); }
        nav.sidebar h2 {
          font-size: 0.75rem; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted);
          margin: 1.25rem 0 0.35rem;
        }
        nav.sidebar ul { list-style: none; margin: 0; padding: 0; }
        nav.sidebar li a { display: block; padding: 0.1rem 0.5rem; border-radius: 6px; color: var(--fg); overflow-wrap: anywhere; }
        nav.sidebar .site-title, h1 { overflow-wrap: anywhere; }
        nav.sidebar li a:hover { background: #eaeef2; text-decoration: none; }
        nav.sidebar a[aria-current="page"] { background: #dde4ec; font-weight: 600; }
        nav.sidebar ul.definitions { margin: 0.2rem 0 0.5rem 0.6rem; border-left: 1px solid var(--border); }
        nav.sidebar ul.definitions a { font-size: 0.82rem; color: var(--muted); padding: 0 0.6rem; border-radius: 0; }

        main { padding: 1.5rem 2.5rem 3rem; max-width: 64rem; }
        h1 { font-size: 1.9rem; line-height: 1.25; margin: 0.25rem 0 1rem; }
        h2 { font-size: 1.3rem; line-height: 1.3; }
        .muted { color: var(--muted); font-weight: 400; }
        .breadcrumb { color: var(--muted); font-size: 0.875rem; margin: 0; }
        .lead { font-size: 1.05rem; color: var(--muted); }
        footer { margin-top: 3rem; padding-top: 1rem; border-top: 1px solid var(--border); color: var(--muted); font-size: 0.8rem; }

        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1.25rem; margin: 0 0 1.5rem; }
        dl.facts dt { color: var(--muted); }
        dl.facts dd { margin: 0; }

        table { border-collapse: collapse; width: 100%; font-size: 0.92rem; }
        th, td { text-align: left; vertical-align: top; padding: 0.45rem 0.6rem; border-bottom: 1px solid var(--border); }
        thead th { font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); }
        td.definition-list a { display: inline-block; margin-right: 0.5em; }
        td.definition-list { line-height: 1.7; }

        section.definition { border-top: 1px solid var(--border); padding: 0.75rem 0.75rem 0.5rem; margin: 1.25rem -0.75rem 0; border-radius: 6px; }
        section.definition:target { background: var(--target); }
        section.definition h2 { margin: 0 0 0.5rem; display: flex; align-items: baseline; gap: 0.6rem; }
        section.definition h2 a.anchor { color: var(--fg); }
        .kind { font-size: 0.72rem; font-weight: 500; color: var(--muted); border: 1px solid var(--border); border-radius: 999px; padding: 0 0.5rem; }
        .doc p { margin: 0.35rem 0; }
        .doc .doc-heading { font-weight: 650; }
        .doc ul { margin: 0.35rem 0; padding-left: 1.4rem; }
        pre { background: var(--code-bg); border: 1px solid var(--border); border-radius: 6px; padding: 0.7rem 0.9rem; overflow-x: auto; line-height: 1.45; }
        pre code { background: none; padding: 0; font-size: inherit; }
        pre.prs { font-size: 0.86rem; }
        pre.doc-pre { font-size: 0.82rem; }
        .prs .def { color: var(--def); font-weight: 600; }
        .prs .bind { color: var(--bind); }
        .prs .lit { color: var(--lit); }
        .prs .kw { color: var(--kw); }
        .prs a.ref { text-decoration: underline; text-decoration-color: #9ab6e0; text-underline-offset: 2px; }
        .prs .unresolved { border-bottom: 1px dotted var(--muted); }
        .swift { margin: 0.4rem 0; font-size: 0.9rem; }
        .swift p { margin: 0.2rem 0; }
        .swift ul.members { list-style: none; margin: 0.15rem 0 0; padding-left: 1.2rem; }
        .tag { display: inline-block; font-size: 0.7rem; font-weight: 650; text-transform: uppercase; letter-spacing: 0.05em; color: #fff; background: #f05138; border-radius: 4px; padding: 0 0.4rem; }
        .used-by { font-size: 0.85rem; color: var(--muted); margin: 0.4rem 0 0; }

        ul.summary { padding-left: 1.2rem; }
        li.incompatible, .differences li.incompatible { color: var(--bad); }
        section.module-change { margin-top: 2rem; }
        table.changes td.mark, table.changes th.mark { width: 1.5rem; text-align: center; font-weight: 700; }
        tr.added td.mark { color: var(--good); }
        tr.removed td.mark { color: var(--bad); }
        tr.incompatible { background: #fff5f5; }
        .badge { display: inline-block; font-size: 0.72rem; font-weight: 600; border-radius: 999px; padding: 0 0.55rem; border: 1px solid var(--border); color: var(--muted); vertical-align: middle; }
        .badge.added { color: var(--good); background: var(--good-bg); border-color: #aceebb; }
        .badge.removed, .badge.incompatible { color: var(--bad); background: var(--bad-bg); border-color: #ffcecb; }
        .was-now code, .differences { font-size: 0.85rem; }
        .differences { margin: 0.3rem 0; padding-left: 1.2rem; }
        .swift-change { margin-top: 0.3rem; font-size: 0.85rem; }
        .swift-change ul { margin: 0.2rem 0; padding-left: 1.2rem; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }

        @media (max-width: 820px) {
          body { display: block; }
          nav.sidebar { position: static; height: auto; border-right: 0; border-bottom: 1px solid var(--border); }
          nav.sidebar ul.modules li { display: inline-block; }
          nav.sidebar ul.definitions { display: none; }
          main { padding: 1rem 1.1rem 2rem; }
        }

        """
}
