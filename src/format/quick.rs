//! A quick reading of the TOML that record files are made of: top-level keys, `[table]` and
//! `[[list]]` headers with plain names, strings of the four kinds, decimal integers and
//! floats, booleans, dates and arrays of these.
//!
//! It answers for a file only when the whole file is within that subset, and then with the
//! very table `toml` gives; anything else (an inline table, a dotted or quoted key, an escape
//! other than the common seven, a number with an exponent or underscores, a carriage return,
//! a duplicate key…) gets `None`, and `toml` reads the file. It exists for speed: reading a
//! record this way takes a fraction of `toml`'s time, and every path that reads records in
//! bulk — a rebuild of the index, the history of a million versions — is mostly reading.
//! The fuzz test (`tests/it/fuzz.rs`) and the tests below hold it to `toml`'s answers.

use toml::value::Datetime;
use toml::{Table, Value};

/// How deeply arrays may nest before the file is left to `toml`.
const DEEPEST: usize = 32;

/// `source` as `toml` would read it, or `None` when it is not within the subset (which says
/// nothing about whether it is valid TOML).
pub fn table(source: &str) -> Option<Table> {
    Reader { source, bytes: source.as_bytes(), at: 0 }.document()
}

/// The section of the file being read: its name, whether it is a `[[list]]` entry, its keys.
type Section = (String, bool, Table);

struct Reader<'a> {
    source: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn document(&mut self) -> Option<Table> {
        let mut root = Table::new();
        // The names `[[list]]` headers made: only those may take another entry.
        let mut lists: Vec<String> = Vec::new();
        let mut section: Option<Section> = None;
        loop {
            self.blank();
            match self.peek() {
                None => break,
                Some(b'\n') => self.at += 1,
                Some(b'#') => self.line_end()?,
                Some(b'[') => {
                    close(&mut root, &mut lists, section.take());
                    let list = self.bytes.get(self.at + 1) == Some(&b'[');
                    self.at += 1 + usize::from(list);
                    let name = self.bare_key()?;
                    self.expect(b']')?;
                    if list {
                        self.expect(b']')?;
                    }
                    self.line_end()?;
                    if root.contains_key(&name) && !(list && lists.contains(&name)) {
                        return None;
                    }
                    section = Some((name, list, Table::new()));
                }
                Some(_) => {
                    let key = self.bare_key()?;
                    self.blank();
                    self.expect(b'=')?;
                    self.blank();
                    let value = self.value(0)?;
                    self.line_end()?;
                    let table = section.as_mut().map_or(&mut root, |(_, _, table)| table);
                    if table.insert(key, value).is_some() {
                        return None;
                    }
                }
            }
        }
        close(&mut root, &mut lists, section);
        Some(root)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek() == Some(byte)).then(|| self.at += 1)
    }

    /// Skips spaces and tabs.
    fn blank(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.at += 1;
        }
    }

    /// The end of a line: blanks, perhaps a comment, then a newline (left for the caller) or
    /// the end of the file.
    fn line_end(&mut self) -> Option<()> {
        self.blank();
        if self.peek() == Some(b'#') {
            while let Some(byte) = self.peek() {
                if byte == b'\n' {
                    break;
                }
                if is_control(byte) {
                    return None;
                }
                self.at += 1;
            }
        }
        matches!(self.peek(), None | Some(b'\n')).then_some(())
    }

    /// Blanks, newlines and comments, as between the values of an array.
    fn array_space(&mut self) -> Option<()> {
        loop {
            self.blank();
            match self.peek() {
                Some(b'\n') => self.at += 1,
                Some(b'#') => self.line_end()?,
                _ => return Some(()),
            }
        }
    }

    fn bare_key(&mut self) -> Option<String> {
        let start = self.at;
        while matches!(self.peek(), Some(b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-')) {
            self.at += 1;
        }
        (self.at > start).then(|| self.source[start..self.at].to_owned())
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        let rest = &self.bytes[self.at..];
        match rest.first()? {
            quote @ (b'"' | b'\'') => self.string(*quote, rest.starts_with(&[*quote; 3])),
            b'[' if depth < DEEPEST => self.array(depth + 1),
            b't' | b'f' => match self.token() {
                "true" => Some(Value::Boolean(true)),
                "false" => Some(Value::Boolean(false)),
                _ => None,
            },
            b'0'..=b'9' | b'+' | b'-' => self.number_or_date(),
            _ => None,
        }
    }

    /// A run of the characters that may make up a number, a date or a boolean: up to a blank,
    /// a newline, a comment, a comma or the end of an array.
    fn token(&mut self) -> &'a str {
        let start = self.at;
        while !matches!(self.peek(), None | Some(b' ' | b'\t' | b'\n' | b'\r' | b'#' | b',' | b']')) {
            self.at += 1;
        }
        &self.source[start..self.at]
    }

    fn number_or_date(&mut self) -> Option<Value> {
        let token = self.token();
        // A date and a time apart (`2026-11-23 10:00:00`) are one value to `toml`: here the
        // date is a value, and what follows it is refused (only the end of a line, a comma or
        // a bracket may).
        Some(if let Some(number) = integer(token) {
            Value::Integer(number)
        } else if let Some(number) = float(token) {
            Value::Float(number)
        } else {
            Value::Datetime(token.parse::<Datetime>().ok()?)
        })
    }

    fn array(&mut self, depth: usize) -> Option<Value> {
        self.at += 1;
        let mut values = Vec::new();
        loop {
            self.array_space()?;
            if self.expect(b']').is_some() {
                break;
            }
            values.push(self.value(depth)?);
            self.array_space()?;
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    break;
                }
                _ => return None,
            }
        }
        Some(Value::Array(values))
    }

    /// A string quoted by `quote` (`"` or `'`), on one line or (`multi_line`) between three
    /// quotes: `"` strings take the escapes every version of TOML has but `\u` and `\U`;
    /// a multi-line string with a line-ending backslash, a carriage return, or ending in a
    /// quote is left to `toml`.
    fn string(&mut self, quote: u8, multi_line: bool) -> Option<Value> {
        self.at += if multi_line { 3 } else { 1 };
        // A newline right after the opening quotes is not part of the string.
        if multi_line && self.peek() == Some(b'\n') {
            self.at += 1;
        }
        let mut text = String::new();
        let mut start = self.at;
        loop {
            self.at += plain_run(&self.bytes[self.at..], quote);
            match *self.bytes.get(self.at)? {
                byte if byte == quote && (!multi_line || self.bytes[self.at..].starts_with(&[quote; 3])) => break,
                b'\\' if quote == b'"' => {
                    text.push_str(&self.source[start..self.at]);
                    text.push(match *self.bytes.get(self.at + 1)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'n' => '\n',
                        b't' => '\t',
                        b'r' => '\r',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        _ => return None,
                    });
                    self.at += 2;
                    start = self.at;
                }
                b'\n' if multi_line => self.at += 1,
                byte if is_control(byte) => return None,
                _ => self.at += 1,
            }
        }
        text.push_str(&self.source[start..self.at]);
        self.at += if multi_line { 3 } else { 1 };
        // Up to two quotes before the closing three belong to the string: left to `toml`.
        if multi_line && self.peek() == Some(quote) {
            return None;
        }
        Some(Value::String(text))
    }
}

/// Files `section` under `root`: a `[table]` as a new key, a `[[list]]` entry at the end of
/// its list.
fn close(root: &mut Table, lists: &mut Vec<String>, section: Option<Section>) {
    let Some((name, list, table)) = section else { return };
    if !list {
        root.insert(name, Value::Table(table));
    } else if let Some(Value::Array(entries)) = root.get_mut(&name) {
        entries.push(Value::Table(table));
    } else {
        root.insert(name.clone(), Value::Array(vec![Value::Table(table)]));
        lists.push(name);
    }
}

/// How many bytes at the start of `bytes` need no look in a string quoted by `quote`: none is
/// the quote, a backslash, a byte below 0x20 (a newline or a tab among them) or 0x7f. Eight
/// bytes are looked at a time; a word holding any of them is left for the caller to read byte
/// by byte.
fn plain_run(bytes: &[u8], quote: u8) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // A high bit set in each byte of `word` that is zero, and perhaps above one that is.
    let zeros = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS;
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let special = zeros(word ^ (ONES * u64::from(quote)))
            | zeros(word ^ (ONES * u64::from(b'\\')))
            | zeros(word ^ (ONES * 0x7f))
            // Below 0x20: the same test against 0x20 (bytes of 0x80 and more never pass it).
            | (word.wrapping_sub(ONES * 0x20) & !word & HIGHS);
        if special != 0 {
            break;
        }
        at += 8;
    }
    at
}

/// The control characters TOML allows nowhere but as escapes (a tab is allowed; newlines are
/// handled where they may appear).
fn is_control(byte: u8) -> bool {
    byte < 0x20 && byte != b'\t' || byte == 0x7f
}

/// The digits of a decimal number with an optional sign, when they have no leading zero.
fn digits(token: &str) -> &str {
    token.strip_prefix(['+', '-']).unwrap_or(token)
}

fn is_whole(digits: &str) -> bool {
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && (digits == "0" || !digits.starts_with('0'))
}

/// `token` as a decimal integer (`0`, `-17`, `+3`), when it is one that fits in 64 bits.
fn integer(token: &str) -> Option<i64> {
    if is_whole(digits(token)) { token.parse().ok() } else { None }
}

/// `token` as a float written `whole.fraction` (`0.8`, `-2.50`).
fn float(token: &str) -> Option<f64> {
    let (whole, fraction) = digits(token).split_once('.')?;
    let plain = is_whole(whole) && !fraction.is_empty() && fraction.bytes().all(|b| b.is_ascii_digit());
    if plain { token.parse().ok() } else { None }
}

#[cfg(test)]
mod tests {
    use super::table;
    use crate::format::node::plain_by_toml;

    /// Files within the subset: read, and read as `toml` reads them.
    #[test]
    fn reads_the_subset_as_toml_does() {
        let files = [
            "",
            "# only a comment\n\n",
            "title = \"Refund fails\"\nstage = 'triage'\nweight = 3\nnew = true\nold = false",
            "  indented = 1\t# a comment\r\n".trim_end_matches("\r\n"),
            "escapes = \"a \\\"quote\\\", a \\\\ and \\n, \\t, \\r, \\b, \\f\"\nliteral = 'C:\\path'\n",
            "text = \"\"\"\nfirst line\n  \"quoted\" and \"\"two\"\" quotes\n\"\"\"\nraw = '''\nno \\escape 'here'\n'''\n",
            "same_line = \"\"\"no newline first\"\"\"\ntabs = \"a\tb\"\n",
            "numbers = [0, -17, +3, 42, 9223372036854775807, -9223372036854775808]\n",
            "floats = [0.8, -2.50, +1.0, 0.0, -0.0, 3.14159]\n",
            "dates = [2026-11-23, 2026-01-09T10:00:00Z, 2026-01-09T10:00:00.5+02:00, 10:00:00, 2026-01-09T10:00:00]\n",
            "lower = 2026-01-09t10:00:00z\n",
            "labels = [\n  \"customer::acme\", # the customer\n  \"priority::1\",\n]\nempty = []\nnested = [[1, 2], [\"a\"], []]\n",
            "a-key_1 = 1\n1234 = \"digits\"\ntrue = \"a key\"\n",
            "title = \"x\"\n\n[rice]\nreach = 100\nconfidence = 0.8\n\n[[comments]]\nauthor = \"dylan\"\ntext = \"one\"\n\n[[comments]] # two\nauthor = \"lyle\"\n[empty]\n",
            "unicode = \"é ü 日本 \u{85} 😀\"\n",
            "spaced=\"no blanks\"\n",
            "code = \"\"\"\nsplits on `\\\\n`, \\\"quoted\\\", \\t\n\"\"\"\n",
            "nested = [[[[[[[[[[1]]]]]]]]]]\n",
        ];
        for file in files {
            let quick = table(file);
            assert!(quick.is_some(), "within the subset: {file:?}");
            assert_eq!(quick, plain_by_toml(file), "as toml reads it: {file:?}");
        }
    }

    /// Valid TOML outside the subset: left to `toml`, which reads it.
    #[test]
    fn leaves_other_valid_toml_to_toml() {
        let files = [
            "point = { x = 1 }\n",
            "rice.reach = 1\n",
            "\"quoted key\" = 1\n",
            "[rice.sub]\nx = 1\n",
            "[ rice ]\nx = 1\n",
            "text = \"\\u00e9\"\n",
            "text = \"\\U0001F600\"\n",
            "text = \"\"\"\nline \\\n  joined\"\"\"\n",
            "text = \"\"\"\nline \\  \n  joined\"\"\"\n",
            "text = \"\"\"ends in a quote\"\"\"\"\n",
            "text = '''ends in a quote''''\n",
            "big = 1_000\n",
            "hex = 0x1f\n",
            "power = 1e3\n",
            "infinite = inf\n",
            "nothing = nan\n",
            "when = 2026-11-23 10:00:00\n",
            "when = [2026-11-23 10:00:00]\n",
            "crlf = 1\r\n",
            "text = \"\"\"\r\nwindows\r\n\"\"\"\n",
        ];
        for file in files {
            assert!(plain_by_toml(file).is_some(), "valid TOML: {file:?}");
            assert_eq!(table(file), None, "left to toml: {file:?}");
        }
    }

    /// Arrays nested past a bound are left to `toml`, whatever it makes of them: the reading
    /// recurses, and a file of brackets must not exhaust the stack.
    #[test]
    fn leaves_deep_arrays_to_toml() {
        let deep = |depth: usize| format!("deep = {}1{}\n", "[".repeat(depth), "]".repeat(depth));
        assert!(table(&deep(super::DEEPEST)).is_some());
        assert_eq!(table(&deep(super::DEEPEST + 1)), None);
        assert_eq!(table(&deep(100_000)), None);
    }

    /// Files `toml` refuses: never read.
    #[test]
    fn never_reads_what_toml_refuses() {
        let files = [
            "a = 1\na = 2\n",
            "[t]\na = 1\na = 2\n",
            "t = 1\n[t]\n",
            "[t]\n[t]\n",
            "[[t]]\n[t]\n",
            "[t]\n[[t]]\n",
            "t = []\n[[t]]\n",
            "zero = 01\n",
            "float = 1.\n",
            "float = .5\n",
            "float = 01.5\n",
            "sign = +\n",
            "when = 2026-13-01\n",
            "two = 1 2\n",
            "no_value =\n",
            "no_equals\n",
            "= 1\n",
            "text = \"unterminated\n",
            "text = \"two\nlines\"\n",
            "text = 'two\nlines'\n",
            "text = \"\"\"never closed\n",
            "text = 'never closed\n",
            "control = \"a\u{1}b\"\n",
            "delete = \"a\u{7f}b\"\n",
            "comment = 1 # bell \u{7}\n",
            "escape = \"\\q\"\n",
            "array = [1,,2]\n",
            "array = [1 2]\n",
            "array = [1\n",
            "[t\n",
            "[[t]\n",
            "[]\n",
            "key = \"value\" trailing\n",
            "maybe = tru\n",
        ];
        for file in files {
            assert_eq!(plain_by_toml(file), None, "invalid TOML: {file:?}");
            assert_eq!(table(file), None, "not read: {file:?}");
        }
    }

    /// Random files made of the subset's pieces and of pieces just outside it (odd escapes,
    /// control characters, repeated names, numbers of every shape): whenever the reader reads
    /// one, it reads what `toml` reads; and it reads most of those `toml` reads.
    #[test]
    fn random_files_are_read_as_toml_reads_them() {
        use std::fmt::Write as _;
        const KEYS: &[&str] = &["title", "stage", "a-b_1", "1234", "true", "labels", "x"];
        const SCALARS: &[&str] = &[
            r#""plain""#,
            r#""q \" b \\ n \n t \t r \r b \b f \f""#,
            r#""""#,
            "''",
            r#"'lit \ "'"#,
            "\"é 日本 \u{85}\"",
            r#""\u00e9""#,
            r#""\q""#,
            "\"tab\there\"",
            "\"bell\u{7}\"",
            "\"\"\"\nml \"one\" \"\"two\"\"\n\"\"\"",
            "'''\nml 'lit' ''two''\n'''",
            r#""""a"""""#,
            "\"\"\"a \\\n b\"\"\"",
            "\"\"\"a\r\nb\"\"\"",
            "0",
            "-0",
            "+7",
            "017",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "0.8",
            "-2.50",
            "1.",
            ".5",
            "1e3",
            "1_000",
            "0x1f",
            "inf",
            "nan",
            "true",
            "false",
            "tru",
            "2026-11-23",
            "2026-11-23T10:00:00Z",
            "2026-11-23t10:00:00.25+02:00",
            "10:00:00",
            "2026-13-01",
            "2026-11-23 10:00:00",
            "{ a = 1 }",
            "",
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut below = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % n as u64).expect("fits")
        };
        let (mut same, mut valid) = (0, 0);
        for _ in 0..4000 {
            let mut file = String::new();
            for _ in 0..below(8) {
                match below(10) {
                    0 => writeln!(file, "\n[{}]", KEYS[below(KEYS.len())]).expect("a string takes it"),
                    1 => writeln!(file, "[[{}]] # entry", KEYS[below(KEYS.len())]).expect("a string takes it"),
                    2 => file.push_str("# a comment\n\n"),
                    3 | 4 => {
                        let values: Vec<&str> = (0..below(4)).map(|_| SCALARS[below(SCALARS.len())]).collect();
                        let separator = if below(2) == 0 { ", " } else { ",\n  " };
                        let inner = values.join(separator);
                        let inner = if below(4) == 0 { format!("[{inner}]") } else { inner };
                        let trailing = if below(3) == 0 { "," } else { "" };
                        writeln!(file, "{} = [{inner}{trailing}]", KEYS[below(KEYS.len())]).expect("a string takes it");
                    }
                    _ => {
                        let blank = [" ", "", "\t"][below(3)];
                        let (key, value) = (KEYS[below(KEYS.len())], SCALARS[below(SCALARS.len())]);
                        writeln!(file, "{key}{blank}={blank}{value}").expect("a string takes it");
                    }
                }
            }
            let (quick, toml) = (table(&file), plain_by_toml(&file));
            if quick.is_some() {
                assert_eq!(quick, toml, "read as toml reads it: {file:?}");
                same += 1;
            }
            valid += usize::from(toml.is_some());
        }
        assert!(valid > 400, "enough valid files: {valid}");
        assert!(same * 10 > valid * 6, "most valid files are read: {same} of {valid}");
    }

    /// The example trackers' records are all within the subset: the quick reading is the one
    /// that serves them.
    #[test]
    fn reads_every_example_record() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        let mut stack = vec![root];
        let mut read = 0;
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("examples").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|x| x == "toml") && !path.ends_with("docket.toml") {
                    let text = std::fs::read_to_string(&path).expect("readable");
                    if path.components().any(|c| c.as_os_str() == "workflows") {
                        continue;
                    }
                    let quick = table(&text);
                    assert!(quick.is_some(), "within the subset: {}", path.display());
                    assert_eq!(quick, plain_by_toml(&text), "{}", path.display());
                    read += 1;
                }
            }
        }
        assert!(read > 20, "the examples hold records: {read}");
    }

    /// The run of plain bytes a string's reading skips eight at a time ends no later than the
    /// first byte that needs a look, and within eight bytes of it (or of the end): checked
    /// against a byte-by-byte reading on random bytes, dense and sparse in special ones.
    #[test]
    fn plain_runs_stop_before_every_byte_that_needs_a_look() {
        let needs_a_look = |byte: u8, quote: u8| byte == quote || byte == b'\\' || byte < 0x20 || byte == 0x7f;
        let mut random = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            random ^= random << 13;
            random ^= random >> 7;
            random ^= random << 17;
            random
        };
        for round in 0..20_000 {
            let len = usize::try_from(next() % 40).expect("small");
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    let n = next();
                    // Mostly plain text, some multi-byte UTF-8, now and then any byte at all.
                    match n % (2 + round % 50) {
                        0 => u8::try_from(n >> 8 & 0xff).expect("a byte"),
                        1 => 0xc3,
                        _ => b'a' + u8::try_from(n >> 8 & 0x0f).expect("a byte"),
                    }
                })
                .collect();
            for quote in [b'"', b'\'', b'a'] {
                let first = bytes.iter().position(|&b| needs_a_look(b, quote)).unwrap_or(bytes.len());
                let run = super::plain_run(&bytes, quote);
                assert!(run <= first && first - run < 8, "{bytes:?} quote {quote}: run {run}, first {first}");
                assert_eq!(run % 8, 0);
            }
        }
        for special in [b'"', b'\\', 0x00, 0x09, 0x0a, 0x1f, 0x7f] {
            for at in 0..24 {
                let mut bytes = vec![b'x'; 24];
                bytes[at] = special;
                assert_eq!(super::plain_run(&bytes, b'"'), at / 8 * 8, "{special:#x} at {at}");
            }
        }
        assert_eq!(super::plain_run(&[0x20, 0x7e, 0x80, 0xff, 0xc3, 0xa9, b'~', b' '], b'"'), 8);
    }
}
