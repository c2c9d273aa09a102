//! Text as a terminal may safely show it. Titles, labels, descriptions and comments come from
//! files anyone can commit (and from imports): an escape sequence in them could recolour,
//! hide or rewrite what a person reads, set the terminal's title or clipboard, or reverse the
//! order of what follows (bidirectional overrides). Every human-readable output shows such
//! characters as visible escapes, the way git shows paths (`core.quotePath`): `\033`, `\r`,
//! `\302\233`. `--json` keeps the exact text.

use std::borrow::Cow;

/// `text` with every control character but newline and tab, and every bidirectional
/// formatting character, written as an escape. When `sgr` is true, the colour codes docket
/// itself writes (`ESC [ digits ; … m`) are kept: only those can reach a terminal.
pub fn visible(text: &str, sgr: bool) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '\x1b'
            && sgr
            && let Some(length) = sgr_length(rest)
        {
            out.push_str(&rest[..length]);
            rest = &rest[length..];
            continue;
        }
        if needs_escape(c) {
            escape(c, &mut out);
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Writes `c` as git writes a byte it quotes: a C escape where there is one, else the octal
/// value of each of its UTF-8 bytes.
fn escape(c: char, out: &mut String) {
    use std::fmt::Write;
    match c {
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0b' => out.push_str("\\v"),
        '\x0c' => out.push_str("\\f"),
        '\r' => out.push_str("\\r"),
        _ => {
            let mut bytes = [0; 4];
            for byte in c.encode_utf8(&mut bytes).bytes() {
                let _ = write!(out, "\\{byte:03o}");
            }
        }
    }
}

/// The length of a colour code (`ESC [ 1;31 m`) at the start of `text`, if there is one.
fn sgr_length(text: &str) -> Option<usize> {
    let body = text.strip_prefix("\x1b[")?;
    let digits = body.bytes().take_while(|b| b.is_ascii_digit() || *b == b';').count();
    (body.as_bytes().get(digits) == Some(&b'm')).then_some(2 + digits + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_visible_escapes() {
        let table: [(&str, bool, &str); 11] = [
            ("plain title", false, "plain title"),
            ("two\nlines\tand a tab", false, "two\nlines\tand a tab"),
            ("\x1b]0;pwned\x07", false, "\\033]0;pwned\\a"),
            ("red \x1b[31mtext\x1b[0m", false, "red \\033[31mtext\\033[0m"),
            ("red \x1b[31mtext\x1b[0m", true, "red \x1b[31mtext\x1b[0m"),
            // Only colour codes pass, never cursor moves or other sequences.
            ("\x1b[2J\x1b[1;1H", true, "\\033[2J\\033[1;1H"),
            ("\x1b]8;;http://evil\x1b\\", true, "\\033]8;;http://evil\\033\\"),
            ("carriage\rreturn\x08\x0b\x0c\x00", false, "carriage\\rreturn\\b\\v\\f\\000"),
            ("del\x7f and c1 \u{9b}", false, "del\\177 and c1 \\302\\233"),
            ("abc\u{202e}fed", false, "abc\\342\\200\\256fed"),
            ("é ü 漢字", false, "é ü 漢字"),
        ];
        for (text, sgr, expected) in table {
            assert_eq!(visible(text, sgr), expected, "{text:?}");
        }
        assert!(matches!(visible("nothing to do", false), Cow::Borrowed(_)));
        assert_eq!(sgr_length("\x1b[m"), Some(3));
        assert_eq!(sgr_length("\x1b[1;31"), None);
    }
}
