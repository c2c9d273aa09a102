//! Records' Markdown (descriptions, comments, reviews) as HTML for the board: `CommonMark` with
//! tables and strikethrough, raw HTML shown as text and links limited to `http`, `https`,
//! `mailto` and relative addresses, so a record's text can never run script in the page.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, html};

/// `text` rendered as HTML that is safe to insert into the page.
pub fn to_html(text: &str) -> String {
    let parser =
        Parser::new_ext(text, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).map(|event| match event {
            // Raw HTML is shown, not interpreted.
            Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                Event::Start(Tag::Link { link_type, dest_url: safe_url(dest_url), title, id })
            }
            Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
                Event::Start(Tag::Image { link_type, dest_url: safe_url(dest_url), title, id })
            }
            other => other,
        });
    let mut out = String::new();
    html::push_html(&mut out, parser);
    out
}

/// `url` when its scheme is one a record may link to, else nothing (`#`).
fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let lower = url.trim_start().to_ascii_lowercase();
    let scheme = lower.split_once(':').map(|(scheme, _)| scheme).filter(|s| !s.contains(['/', '?', '#']));
    match scheme {
        None | Some("http" | "https" | "mailto") => url,
        Some(_) => CowStr::Borrowed("#"),
    }
}

#[cfg(test)]
mod tests {
    use super::to_html;

    #[test]
    fn markdown_is_rendered() {
        assert_eq!(
            to_html("## Problem\n- one\n- `two`"),
            "<h2>Problem</h2>\n<ul>\n<li>one</li>\n<li><code>two</code></li>\n</ul>\n"
        );
    }

    #[test]
    fn tables_and_strikethrough_are_rendered() {
        let html = to_html("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~gone~~");
        assert!(html.contains("<table>") && html.contains("<td>1</td>"), "{html}");
        assert!(html.contains("<del>gone</del>"), "{html}");
    }

    #[test]
    fn raw_html_is_text() {
        let html = to_html("<script>alert(1)</script>\n\nand <img src=x onerror=alert(1)> inline");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn only_safe_links_are_kept() {
        assert!(to_html("[x](javascript:alert(1))").contains("href=\"#\""));
        assert!(to_html("[x](JavaScript:alert(1))").contains("href=\"#\""));
        assert!(to_html("[x](data:text/html,hi)").contains("href=\"#\""));
        assert!(to_html("[x](https://launchpad.net/bugs/1)").contains("href=\"https://launchpad.net/bugs/1\""));
        assert!(to_html("[x](mailto:a@b.c)").contains("href=\"mailto:a@b.c\""));
        assert!(to_html("[x](issues/k3x9.toml)").contains("href=\"issues/k3x9.toml\""));
        assert!(to_html("![i](javascript:x)").contains("src=\"#\""));
    }
}
