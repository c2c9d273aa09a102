//! The index's schema and how a record file becomes a document.
//!
//! Text fields are stemmed English (the tokens of tantivy's `en_stem`, made in one pass with a cache); ids, labels and the other structured fields are
//! kept whole and lowercased (`keyword`), so `label:"workflow::refinement"` matches exactly.
//! A file that does not parse is still indexed, its text searchable, marked not valid.

use tantivy::TantivyDocument;
use tantivy::schema::{FAST, Field, INDEXED, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer,
};

use crate::check::record_at;
use crate::format::{RecordRules, parse_record};
use crate::model::{Body, Record};
use crate::time::{self, Timestamp};

/// The version of the schema and of what goes into documents; a change rebuilds the index.
pub const SCHEMA_VERSION: u32 = 9;

/// The name the keyword analyzer is registered under.
pub const KEYWORD: &str = "keyword";
/// The name the English text analyzer is registered under.
pub const TEXT: &str = "english";

/// The fields of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub kind: Field,
    pub path: Field,
    /// The folder holding the file, to re-read a folder that changed.
    pub dir: Field,
    /// The git blob id of the text the document was built from.
    pub blob: Field,
    /// The file's modification time (ns) and size when indexed: its stamp.
    pub mtime: Field,
    pub size: Field,
    /// 1 when the file is a valid record.
    pub valid: Field,
    pub title: Field,
    pub description: Field,
    pub comments: Field,
    pub updates: Field,
    pub gameplan: Field,
    pub blueprint: Field,
    pub review: Field,
    /// Every other text of the file, unknown fields included.
    pub other: Field,
    pub stage: Field,
    pub state: Field,
    pub status: Field,
    pub issue_type: Field,
    pub label: Field,
    pub assignee: Field,
    pub milestone: Field,
    pub iteration: Field,
    pub package: Field,
    pub health: Field,
    pub requester: Field,
    /// The ids an issue waits for.
    pub blocked_by: Field,
    /// `true` for a record without an assignee: "assigned to nobody" as one term.
    pub unassigned: Field,
    pub weight: Field,
    /// An issue's RICE score as [`crate::model::Rice::order`] keys it (absent: no score).
    pub rice: Field,
    pub created: Field,
    pub updated: Field,
    /// A milestone's dates.
    pub start: Field,
    pub end: Field,
}

/// The text fields searched by free text, with their boosts.
pub fn text_fields(fields: &Fields) -> [(Field, f32); 8] {
    [
        (fields.title, 3.0),
        (fields.description, 1.0),
        (fields.comments, 1.0),
        (fields.updates, 1.0),
        (fields.gameplan, 1.0),
        (fields.blueprint, 1.0),
        (fields.review, 1.0),
        (fields.other, 0.5),
    ]
}

/// The keyword analyzer: the whole value, lowercased.
pub fn keyword_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(RawTokenizer::default()).filter(LowerCaser).build()
}

/// The English text analyzer: the tokens of tantivy's `en_stem` chain (words split at
/// anything not alphanumeric, those of 40 bytes or more dropped, lowercased, stemmed), made in
/// one pass with the stems remembered. Trackers repeat their words endlessly, so a word seen
/// before costs one lookup of its raw text; stemming, lowercasing and copying through four
/// filters were the largest single cost of a rebuild. A test checks the tokens are tantivy's.
pub fn text_analyzer() -> TextAnalyzer {
    TextAnalyzer::from(EnglishTokenizer::default())
}

/// Tokens longer than this many bytes (before lowercasing) are dropped, as `RemoveLongFilter`.
const LONGEST_WORD: usize = 40;

/// The fused English tokenizer. Tantivy clones the analyzer for each field of each indexing
/// thread; the stem cache is the thread's, shared by its fields.
#[derive(Clone)]
pub struct EnglishTokenizer {
    token: Token,
    /// For words with accents, folded before stemming (`naïve` is found by `naive`), as
    /// tantivy's `AsciiFoldingFilter` does.
    folding: TextAnalyzer,
    /// For ASCII words: tantivy's `Stemmer` filter is this stemmer called on the token.
    english: frostem::Stemmer,
    lowercase: String,
}

impl Default for EnglishTokenizer {
    fn default() -> Self {
        Self {
            token: Token::default(),
            folding: TextAnalyzer::builder(RawTokenizer::default())
                .filter(AsciiFoldingFilter)
                .filter(Stemmer::new(Language::English))
                .build(),
            english: frostem::Stemmer::new(frostem::Algorithm::English),
            lowercase: String::new(),
        }
    }
}

/// How many slots the stem cache of each thread has (a power of two), each a word and its
/// stem. Words come roughly by Zipf's law, so the common ones, which are nearly all the words
/// read, stay in their slots; a rare word takes the slot of another and is stemmed again when
/// it comes back. 16,384 slots are 1 MiB a thread (more were no faster, with the bench's
/// text or with a vocabulary of 300,000 words).
const STEM_SLOTS: usize = 16_384;

/// The longest word, and stem, the stem cache keeps, in bytes; a longer one is stemmed each
/// time (nearly every word is shorter).
const CACHED_WORD: usize = 31;

/// Word (as written) → its lowercased stem, in a table of fixed size where each word has one
/// slot, found from its hash. Word and stem are kept in the slot itself, so a lookup reads
/// one slot and follows no pointer: with a vocabulary of 300,000 words, a `HashMap` of
/// `String`s (two cache misses or more a lookup, the table and the key) took a quarter of a
/// rebuild's time, more than stemming every word again.
struct StemCache {
    /// Each slot: the word's length (0: empty), the stem's, the word, the stem.
    slots: Vec<[u8; 2 + 2 * CACHED_WORD]>,
}

impl StemCache {
    /// A cache of `slots` slots (rounded up to a power of two).
    fn new(slots: usize) -> Self {
        // All zeroes (every slot empty): the pages are only touched when used.
        Self { slots: vec![[0; 2 + 2 * CACHED_WORD]; slots.next_power_of_two()] }
    }

    fn slot(&self, word: &str) -> usize {
        use std::hash::{BuildHasher as _, Hasher as _};
        let mut hasher = rustc_hash::FxBuildHasher.build_hasher();
        hasher.write(word.as_bytes());
        // The high bits of Fx's product are its best mixed.
        let hash = hasher.finish().wrapping_mul(0x9e37_79b9_7f4a_7c15);
        usize::try_from(hash >> 32).unwrap_or(0) & (self.slots.len() - 1)
    }

    /// The stem of `word`, if its slot holds it.
    fn get(&self, word: &str) -> Option<&str> {
        let slot = &self.slots[self.slot(word)];
        let (len, stem_len) = (usize::from(slot[0]), usize::from(slot[1]));
        // An empty slot holds no word, not the empty one.
        if len == 0 || len != word.len() || &slot[2..2 + len] != word.as_bytes() {
            return None;
        }
        std::str::from_utf8(&slot[2 + CACHED_WORD..2 + CACHED_WORD + stem_len]).ok()
    }

    /// Keeps `stem` as `word`'s, in place of whatever word held the slot; a word or stem
    /// longer than the slot holds is not kept.
    fn put(&mut self, word: &str, stem: &str) {
        if word.is_empty() || word.len() > CACHED_WORD || stem.len() > CACHED_WORD {
            return;
        }
        let index = self.slot(word);
        let slot = &mut self.slots[index];
        slot[0] = u8::try_from(word.len()).unwrap_or(0);
        slot[1] = u8::try_from(stem.len()).unwrap_or(0);
        slot[2..2 + word.len()].copy_from_slice(word.as_bytes());
        slot[2 + CACHED_WORD..2 + CACHED_WORD + stem.len()].copy_from_slice(stem.as_bytes());
    }
}

thread_local! {
    /// The stem cache of every text field this thread indexes.
    static STEMS: std::cell::RefCell<StemCache> = std::cell::RefCell::new(StemCache::new(STEM_SLOTS));
}

impl Tokenizer for EnglishTokenizer {
    type TokenStream<'a> = EnglishTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> EnglishTokenStream<'a> {
        self.token.reset();
        EnglishTokenStream { text, at: 0, tokenizer: self }
    }
}

pub struct EnglishTokenStream<'a> {
    text: &'a str,
    /// Where the search for the next word starts (a byte offset on a char boundary).
    at: usize,
    tokenizer: &'a mut EnglishTokenizer,
}

impl EnglishTokenStream<'_> {
    /// The next word's byte range: a run of alphanumeric characters.
    fn next_word(&mut self) -> Option<(usize, usize)> {
        let rest = &self.text[self.at..];
        let start = self.at + rest.find(char::is_alphanumeric)?;
        let end = self.text[start..].find(|c: char| !c.is_alphanumeric()).map_or(self.text.len(), |n| start + n);
        self.at = end;
        Some((start, end))
    }
}

impl TokenStream for EnglishTokenStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            // Every word takes a position, a dropped long one too, as in tantivy's chain.
            self.tokenizer.token.position = self.tokenizer.token.position.wrapping_add(1);
            let Some((from, to)) = self.next_word() else {
                self.tokenizer.token.text.clear();
                return false;
            };
            if to - from >= LONGEST_WORD {
                continue;
            }
            let tokenizer = &mut *self.tokenizer;
            let raw = &self.text[from..to];
            let token = &mut tokenizer.token;
            token.offset_from = from;
            token.offset_to = to;
            token.text.clear();
            let known = STEMS.with(|stems| stems.borrow().get(raw).map(|stem| token.text.push_str(stem)).is_some());
            if known {
                return true;
            }
            let lowercase = &mut tokenizer.lowercase;
            lowercase.clear();
            if raw.is_ascii() {
                lowercase.push_str(raw);
                lowercase.make_ascii_lowercase();
                token.text.push_str(&tokenizer.english.stem(lowercase));
            } else {
                // As tantivy's `LowerCaser`: character by character, no final-sigma rule.
                lowercase.extend(raw.chars().flat_map(char::to_lowercase));
                let mut stream = tokenizer.folding.token_stream(lowercase);
                token.text.push_str(if stream.advance() { &stream.token().text } else { lowercase });
            }
            STEMS.with(|stems| stems.borrow_mut().put(raw, &token.text));
            return true;
        }
    }

    fn token(&self) -> &Token {
        &self.tokenizer.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokenizer.token
    }
}

/// The schema and its fields.
pub fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer(TEXT).set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let keyword = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer(KEYWORD).set_index_option(IndexRecordOption::Basic),
    );
    let stored_keyword = keyword.clone().set_stored();
    let fields = Fields {
        id: builder.add_text_field("id", stored_keyword.clone()),
        kind: builder.add_text_field("kind", stored_keyword.clone()),
        // Fast as well, with the stamps: a search compares every file's stamp with its
        // document's, read from the columns rather than from each stored document.
        path: builder.add_text_field("path", stored_keyword.clone().set_fast("raw")),
        dir: builder.add_text_field("dir", keyword.clone()),
        blob: builder.add_text_field("blob", STORED),
        mtime: builder.add_u64_field("mtime", STORED | FAST),
        size: builder.add_u64_field("size", STORED | FAST),
        valid: builder.add_u64_field("valid", INDEXED | STORED),
        title: builder.add_text_field("title", text.clone()),
        description: builder.add_text_field("description", text.clone()),
        comments: builder.add_text_field("comments", text.clone()),
        updates: builder.add_text_field("updates", text.clone()),
        gameplan: builder.add_text_field("gameplan", text.clone()),
        blueprint: builder.add_text_field("blueprint", text.clone()),
        review: builder.add_text_field("review", text.clone()),
        other: builder.add_text_field("other", text),
        stage: builder.add_text_field("stage", keyword.clone()),
        state: builder.add_text_field("state", keyword.clone()),
        status: builder.add_text_field("status", keyword.clone()),
        issue_type: builder.add_text_field("type", keyword.clone()),
        label: builder.add_text_field("label", keyword.clone()),
        assignee: builder.add_text_field("assignee", keyword.clone()),
        milestone: builder.add_text_field("milestone", keyword.clone()),
        iteration: builder.add_text_field("iteration", keyword.clone()),
        package: builder.add_text_field("package", keyword.clone()),
        health: builder.add_text_field("health", keyword.clone()),
        requester: builder.add_text_field("requester", keyword.clone()),
        blocked_by: builder.add_text_field("blocked_by", keyword.clone()),
        unassigned: builder.add_text_field("unassigned", keyword),
        weight: builder.add_i64_field("weight", INDEXED | FAST),
        rice: builder.add_i64_field("rice", FAST),
        created: builder.add_i64_field("created", INDEXED | FAST),
        updated: builder.add_i64_field("updated", INDEXED | FAST),
        start: builder.add_i64_field("start", INDEXED | FAST),
        end: builder.add_i64_field("end", INDEXED | FAST),
    };
    (builder.build(), fields)
}

/// A file's stamp: modification time in nanoseconds and size. A stamp of 0 means "unsure,
/// look again" (a file changed within the clock's resolution of being read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stamp {
    pub mtime: u64,
    pub size: u64,
}

/// The document for the file at `path` (relative to the tracker root) holding `text`;
/// `blob` is its git blob id when git's index already knows it (else it is computed).
pub fn build(fields: &Fields, path: &str, text: &str, stamp: Stamp, blob: Option<&str>) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    let (kind, id) = record_at(path).unwrap_or((crate::model::Kind::Issue, String::new()));
    doc.add_text(fields.id, &id);
    doc.add_text(fields.kind, kind.name());
    doc.add_text(fields.path, path);
    doc.add_text(fields.dir, path.rsplit_once('/').map_or("", |(dir, _)| dir));
    match blob {
        Some(blob) => doc.add_text(fields.blob, blob),
        None => doc.add_text(fields.blob, crate::store::Repo::blob_id(text.as_bytes())),
    }
    doc.add_u64(fields.mtime, stamp.mtime);
    doc.add_u64(fields.size, stamp.size);
    let parsed = parse_record(kind, &id, path, text, &RecordRules::default());
    doc.add_u64(fields.valid, u64::from(parsed.record.is_some()));
    match parsed.record {
        Some(record) => add_record(fields, &mut doc, &record),
        // Not a valid record: its text is still found.
        None => doc.add_text(fields.other, text),
    }
    doc
}

fn add_record(fields: &Fields, doc: &mut TantivyDocument, record: &Record) {
    let table = &record.fields;
    let text_of = |key: &str| table.get(key).and_then(toml::Value::as_str).unwrap_or("");
    doc.add_text(fields.title, record.title());
    for (field, key) in [
        (fields.description, "description"),
        (fields.gameplan, "gameplan"),
        (fields.blueprint, "blueprint"),
        (fields.review, "review"),
    ] {
        doc.add_text(field, text_of(key));
    }
    let entries = |key: &str| -> Vec<&toml::Table> {
        table.get(key).and_then(toml::Value::as_array).into_iter().flatten().filter_map(toml::Value::as_table).collect()
    };
    let created = table.get("created").and_then(toml::Value::as_datetime).and_then(time::timestamp_of);
    let mut latest: Option<Timestamp> = created;
    for (field, key) in [(fields.comments, "comments"), (fields.updates, "updates")] {
        for entry in entries(key) {
            let author = entry.get("author").and_then(toml::Value::as_str).unwrap_or("");
            let body = entry.get("text").and_then(toml::Value::as_str).unwrap_or("");
            doc.add_text(field, format!("{author} {body}"));
            let date = entry.get("date").and_then(toml::Value::as_datetime).and_then(time::timestamp_of);
            latest = latest.max(date);
        }
    }
    // Every other string, unknown fields included, is searchable as text.
    let known = ["title", "description", "gameplan", "blueprint", "review", "comments", "updates"];
    let mut other = String::new();
    for (_, value) in table.iter().filter(|(key, _)| !known.contains(&key.as_str())) {
        collect_text(value, &mut other);
    }
    doc.add_text(fields.other, other);

    let state = match &record.body {
        Body::Mir(bug) => bug.state().name().to_owned(),
        _ => record.state().to_owned(),
    };
    doc.add_text(fields.state, state);
    match &record.body {
        Body::Mir(bug) => {
            doc.add_text(fields.status, bug.status.name());
            doc.add_text(fields.package, &bug.package);
        }
        _ => doc.add_text(fields.stage, record.state()),
    }
    for label in record.labels() {
        doc.add_text(fields.label, label);
    }
    match record.assignee() {
        Some(assignee) => doc.add_text(fields.assignee, assignee),
        None => doc.add_text(fields.unassigned, "true"),
    }
    if let Body::Issue(issue) = &record.body {
        doc.add_text(fields.issue_type, issue.issue_type.name());
        for (field, value) in [
            (fields.milestone, &issue.milestone),
            (fields.iteration, &issue.iteration),
            (fields.requester, &issue.requester),
        ] {
            if let Some(value) = value {
                doc.add_text(field, value);
            }
        }
        for id in &issue.blocked_by {
            doc.add_text(fields.blocked_by, id);
        }
        if let Some(health) = issue.health {
            doc.add_text(fields.health, health.name());
        }
        if let Some(weight) = issue.weight {
            doc.add_i64(fields.weight, i64::from(weight));
        }
        if issue.rice.as_ref().and_then(crate::model::Rice::score).is_some() {
            doc.add_i64(fields.rice, crate::model::Rice::order(issue.rice.as_ref()));
        }
    }
    if let Some(created) = created {
        doc.add_i64(fields.created, created);
    }
    if let Body::Milestone(milestone) = &record.body {
        for (field, value) in [(fields.start, milestone.start), (fields.end, milestone.end)] {
            if let Some(value) = value {
                doc.add_i64(field, value);
            }
        }
    }
    if let Some(latest) = latest {
        doc.add_i64(fields.updated, latest);
    }
}

fn collect_text(value: &toml::Value, out: &mut String) {
    match value {
        toml::Value::String(s) => {
            out.push_str(s);
            out.push(' ');
        }
        toml::Value::Array(items) => items.iter().for_each(|item| collect_text(item, out)),
        toml::Value::Table(table) => table.values().for_each(|item| collect_text(item, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::{RemoveLongFilter, SimpleTokenizer};

    use super::*;

    /// Every token of `text` as (text, position, from, to).
    fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let token = stream.token();
            out.push((token.text.clone(), token.position, token.offset_from, token.offset_to));
        }
        out
    }

    /// The strings of fields docket does not know are searchable text, in tables and arrays
    /// of tables too; numbers and dates are not text.
    #[test]
    fn strings_of_unknown_fields_are_text_at_any_depth() {
        use tantivy::schema::Value as _;
        let (_, fields) = schema();
        let text = "title = \"t\"\ntype = \"bug\"\nstage = \"triage\"\ncreated = 2026-01-01T00:00:00Z\nsponsor = \"acme\"\nrefs = [\"zd1\", 7]\n\
                    [customer]\nname = \"quokka\"\nseats = 40\n[customer.contact]\nmail = \"wombat\"\n\
                    [[links]]\nurl = \"numbat\"\n";
        let doc = build(&fields, "issues/a1.toml", text, Stamp::default(), None);
        assert_eq!(doc.get_first(fields.valid).and_then(|v| v.as_u64()), Some(1), "a valid record");
        let other = doc.get_first(fields.other).and_then(|v| v.as_str()).expect("other text");
        let mut words: Vec<&str> = other.split_whitespace().collect();
        words.sort_unstable();
        assert_eq!(words, ["acme", "bug", "numbat", "quokka", "triage", "wombat", "zd1"]);
    }

    /// A slot holds one word: another word of the same length in the same slot replaces it,
    /// and a word is only ever answered with its own stem.
    #[test]
    fn the_stem_cache_answers_each_word_only_with_its_own_stem() {
        let mut one = StemCache::new(1);
        assert_eq!((one.get("runs"), one.get("")), (None, None), "empty");
        one.put("runs", "run");
        assert_eq!(one.get("runs"), Some("run"));
        assert_eq!(one.get("rung"), None, "same length, same slot, another word");
        assert_eq!(one.get("run"), None, "a prefix of the word kept");
        assert_eq!(one.get("runss"), None, "the word kept is a prefix");
        one.put("cats", "cat");
        assert_eq!((one.get("cats"), one.get("runs")), (Some("cat"), None), "replaced");

        let mut many = StemCache::new(STEM_SLOTS);
        let words: Vec<String> = (0..2_000).map(|n| format!("w{n}ing")).collect();
        for word in &words {
            many.put(word, &word[..word.len() - 3]);
        }
        let mut kept = 0;
        for word in &words {
            if let Some(stem) = many.get(word) {
                assert_eq!(stem, &word[..word.len() - 3]);
                kept += 1;
            }
        }
        // 2,000 words in 16,384 slots: a few share a slot, nearly all are kept.
        assert!(kept > 1_800, "{kept} of 2,000 kept: the hash spreads words over the slots");
    }

    /// Words and stems of up to 31 bytes are kept; longer ones, and the empty word, are not.
    #[test]
    fn the_stem_cache_keeps_words_that_fit_their_slot() {
        let mut cache = StemCache::new(1);
        let (fits, long) = ("a".repeat(CACHED_WORD), "b".repeat(CACHED_WORD + 1));
        cache.put(&fits, &fits);
        assert_eq!(cache.get(&fits), Some(fits.as_str()));
        cache.put(&long, "b");
        assert_eq!((cache.get(&long), cache.get(&fits)), (None, Some(fits.as_str())), "a long word is not kept");
        cache.put("c", &long);
        assert_eq!((cache.get("c"), cache.get(&fits)), (None, Some(fits.as_str())), "a long stem is not kept");
        cache.put("", "");
        assert_eq!(cache.get(""), None, "the empty word is not kept");
        assert_eq!(cache.get(&fits), Some(fits.as_str()));
    }

    #[test]
    fn the_english_tokenizer_makes_the_tokens_of_tantivys_chain() {
        let mut chain = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(LONGEST_WORD))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::new(Language::English))
            .build();
        let mut fused = text_analyzer();
        let words = [
            "Running",
            "running",
            "RUNS",
            "refunds",
            "the",
            "Ünïcödé",
            "ΣΊΣΥΦΟΣ",
            "straße",
            "naïve",
            "Café",
            "İstanbul",
            "x",
            "42",
            "v2.3",
            "workflow::refinement",
            "don't",
            "über-long",
            "a123456789b123456789c123456789d123456789",
            "a123456789b123456789c123456789d12345678",
            "日本語のテキスト",
            "emoji🎉party",
            "",
            "--",
            "\n\t",
        ];
        // Deterministic pseudo-random sentences of those words and separators; each is run
        // twice through the same analyzers, so the second pass answers from the stem cache.
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let separators = [" ", ", ", ".\n", "—", "/", "\u{a0}", ""];
        for _ in 0..300 {
            let mut text = String::new();
            for _ in 0..(state % 12) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push_str(words[usize::try_from(state % words.len() as u64).unwrap_or(0)]);
                text.push_str(separators[usize::try_from((state >> 20) % separators.len() as u64).unwrap_or(0)]);
            }
            for _ in 0..2 {
                assert_eq!(tokens(&mut fused, &text), tokens(&mut chain, &text), "tokens of {text:?}");
            }
        }
    }
}
