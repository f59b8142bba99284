//! PDF text: our own walker over lopdf's content streams.
//!
//! In: the bytes of a PDF. Out: [`PdfText`] (pages joined by `"\n\f\n"`, the page count,
//! whether the text can be trusted, warnings) or a [`PdfError`].
//!
//! Why our own: Chinese 公文 PDFs often show their text in a Type0 font whose `/Encoding` is a
//! predefined CMap (`GBK-EUC-H`, `UniGB-UCS2-H`) and that has no `/ToUnicode` map.
//! pdf-extract panics on those (`unsupported encoding`, jrmuizel/pdf-extract #126), so this
//! walker decodes the show-strings itself, in this order: the font's `/ToUnicode` CMap, then
//! the byte encoding the predefined CMap implies (GBK → GB18030 decoder, UCS2/UTF16 →
//! UTF-16BE), then the simple-font encodings. `Identity-H` without `/ToUnicode` cannot be
//! decoded without the font program; it yields U+FFFD and marks the text unreliable.
//! Fixtures: `fixtures/site/attach/2025/3/28/zcq2024nb.pdf` (GBK-EUC-H) and the 公报 PDFs
//! (UniGB-UCS2-H), planted case G03.
//!
//! Must not: panic on any input (lopdf runs under `catch_unwind`, and nothing here indexes
//! input without a bounds check), do I/O, or spend unbounded work: operators, form nesting,
//! decompressed stream sizes, CMap sizes and the text itself are capped.

use std::collections::{BTreeSet, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use encoding_rs::{BIG5, EUC_KR, Encoding, GB18030, MACINTOSH, SHIFT_JIS, UTF_8, WINDOWS_1252};
use lopdf::content::Content;
use lopdf::{Dictionary, Document, LoadOptions, Object, ObjectId};

/// Separator between the text of two pages (a form feed on its own line).
pub const PAGE_SEPARATOR: &str = "\n\u{c}\n";

/// Content-stream operators executed per document before the walker gives up.
const MAX_OPERATIONS: usize = 2_000_000;
/// Text kept per document.
const MAX_TEXT_BYTES: usize = 50 * 1024 * 1024;
/// Decompressed size of one page's content, one form XObject, or one object stream.
const MAX_STREAM_BYTES: usize = 64 * 1024 * 1024;
/// Decompressed size of one `/ToUnicode` CMap.
const MAX_CMAP_BYTES: usize = 8 * 1024 * 1024;
/// Code → text entries kept per `/ToUnicode` CMap (a full 2-byte space is 65,536).
const MAX_CMAP_ENTRIES: usize = 200_000;
/// Form XObjects inside form XObjects.
const MAX_FORM_DEPTH: usize = 3;
/// Entries kept from a font's `/W` (CID widths) or `/Widths` array.
const MAX_WIDTH_ENTRIES: usize = 65_536;
const MAX_WARNINGS: usize = 50;
/// Above this share of U+FFFD among the decoded characters the text is marked unreliable.
const UNRELIABLE_REPLACEMENT_SHARE: f64 = 0.2;

/// The text of a PDF, page by page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PdfText {
    /// Page texts joined by [`PAGE_SEPARATOR`].
    pub text: String,
    pub pages: u32,
    /// False when more than 20% of the decoded characters are U+FFFD, or when the PDF has
    /// pages but no text at all (a scan).
    pub reliable: bool,
    /// What was skipped or guessed: fonts that could not be decoded, broken streams, limits hit.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    #[error("empty file: a PDF starts with `%PDF`")]
    Empty,
    #[error("encrypted PDF: its text cannot be read without the password")]
    Encrypted,
    #[error("unreadable PDF: {0}")]
    Unreadable(String),
    #[error("PDF has no readable pages: the file may be truncated or damaged")]
    NoPages,
    #[error("unreadable PDF: the parser failed on malformed input")]
    ParserFailed,
}

/// Extracts the text of every page. Never panics.
pub fn pdf_text(bytes: &[u8]) -> Result<PdfText, PdfError> {
    if bytes.is_empty() {
        return Err(PdfError::Empty);
    }
    let options = LoadOptions {
        max_decompressed_size: Some(MAX_STREAM_BYTES),
        ..LoadOptions::default()
    };
    let loaded = catch_unwind(AssertUnwindSafe(|| Document::load_mem_with_options(bytes, options)));
    let document = match loaded {
        Ok(Ok(document)) => document,
        Ok(Err(_)) | Err(_) if declares_encryption(bytes) => return Err(PdfError::Encrypted),
        Ok(Err(error)) => return Err(PdfError::Unreadable(error.to_string())),
        Err(_) => return Err(PdfError::ParserFailed),
    };
    // lopdf tries the empty user password itself; an `/Encrypt` entry that is still there
    // means that failed and every string is still ciphertext.
    if document.trailer.has(b"Encrypt") {
        return Err(PdfError::Encrypted);
    }
    let mut result =
        catch_unwind(AssertUnwindSafe(|| walk_document(&document))).map_err(|_| PdfError::ParserFailed)??;
    if document.was_encrypted() {
        result.warnings.insert(
            0,
            "the PDF is encrypted with an empty user password; it was decrypted".to_string(),
        );
    }
    Ok(result)
}

/// Whether the file names an `/Encrypt` dictionary (checked when lopdf cannot load it).
fn declares_encryption(bytes: &[u8]) -> bool {
    bytes.windows(8).any(|window| window == b"/Encrypt")
}

fn walk_document(document: &Document) -> Result<PdfText, PdfError> {
    let pages = document.get_pages();
    if pages.is_empty() {
        return Err(PdfError::NoPages);
    }
    let mut walker = Walker::new(document);
    let mut texts = Vec::with_capacity(pages.len());
    for (&number, &page_id) in &pages {
        if walker.is_stopped() {
            texts.push(String::new());
        } else {
            texts.push(walker.page_text(number, page_id));
        }
    }
    let pages = u32::try_from(pages.len()).unwrap_or(u32::MAX);
    let reliable =
        walker.decoded > 0 && (walker.replaced as f64) <= UNRELIABLE_REPLACEMENT_SHARE * (walker.decoded as f64);
    if walker.decoded == 0 {
        walker.warn("no text found: the PDF may be a scan".to_string());
    } else if !reliable {
        walker.warn(format!(
            "{} of {} characters could not be decoded; the text is unreliable",
            walker.replaced, walker.decoded
        ));
    }
    Ok(PdfText {
        text: texts.join(PAGE_SEPARATOR),
        pages,
        reliable,
        warnings: walker.warnings.into_iter().collect(),
    })
}

/// Walks content streams and keeps the counters that bound the work for one document.
struct Walker<'a> {
    document: &'a Document,
    operations_left: usize,
    text_bytes: usize,
    /// Decoders of indirect font objects, shared by all pages.
    fonts: HashMap<ObjectId, Rc<FontDecoder>>,
    /// Non-whitespace characters decoded, and how many of them are U+FFFD.
    decoded: usize,
    replaced: usize,
    stopped: bool,
    warnings: BTreeSet<String>,
}

impl<'a> Walker<'a> {
    fn new(document: &'a Document) -> Self {
        Walker {
            document,
            operations_left: MAX_OPERATIONS,
            text_bytes: 0,
            fonts: HashMap::new(),
            decoded: 0,
            replaced: 0,
            stopped: false,
            warnings: BTreeSet::new(),
        }
    }

    fn is_stopped(&self) -> bool {
        self.stopped
    }

    fn warn(&mut self, warning: String) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.insert(warning);
        }
    }

    fn page_text(&mut self, number: u32, page_id: ObjectId) -> String {
        let content = match self.document.get_page_content_with_limit(page_id, MAX_STREAM_BYTES) {
            Ok(content) => content,
            Err(error) => {
                self.warn(format!("page {number}: content stream skipped: {error}"));
                return String::new();
            }
        };
        let resources = page_resources(self.document, page_id);
        let mut writer = PageWriter::default();
        let mut open_forms = Vec::new();
        self.run(&content, &resources, &mut open_forms, &mut writer, number);
        writer.finish()
    }

    /// Executes the text operators of one content stream (a page or a form XObject).
    fn run(
        &mut self,
        content: &[u8],
        resources: &[&'a Dictionary],
        open_forms: &mut Vec<ObjectId>,
        writer: &mut PageWriter,
        page: u32,
    ) {
        let mut state = TextState::default();
        let mut local_fonts: HashMap<Vec<u8>, Option<Rc<FontDecoder>>> = HashMap::new();
        for operation in Content::decode_iter(content) {
            if self.stopped {
                return;
            }
            let Ok(operation) = operation else {
                self.warn(format!(
                    "page {page}: a content stream has a syntax error; the text after it is lost"
                ));
                return;
            };
            if self.operations_left == 0 {
                self.stopped = true;
                self.warn(format!("stopped after {MAX_OPERATIONS} content-stream operators"));
                return;
            }
            self.operations_left -= 1;
            let operands = &operation.operands;
            match operation.operator.as_str() {
                "BT" => state.begin_text(),
                "Tf" => {
                    if let Some(name) = operands.first().and_then(|name| name.as_name().ok()) {
                        state.font = self.font(resources, name, &mut local_fonts, page);
                    }
                    if let Some(size) = operands.get(1).and_then(number) {
                        state.size = size;
                    }
                }
                "Tm" => {
                    let values: Vec<f32> = operands.iter().filter_map(number).collect();
                    if let &[a, b, c, d, e, f] = values.as_slice() {
                        state.set_matrix([a, b, c, d, e, f]);
                    }
                }
                "Td" | "TD" => {
                    if let (Some(tx), Some(ty)) = (operands.first().and_then(number), operands.get(1).and_then(number))
                    {
                        if operation.operator == "TD" {
                            state.leading = -ty;
                        }
                        state.move_line(tx, ty);
                    }
                }
                "T*" => state.next_line(),
                "TL" => state.leading = operands.first().and_then(number).unwrap_or(state.leading),
                "Tc" => state.char_spacing = operands.first().and_then(number).unwrap_or(state.char_spacing),
                "Tw" => state.word_spacing = operands.first().and_then(number).unwrap_or(state.word_spacing),
                "Tz" => {
                    state.horizontal_scale = operands
                        .first()
                        .and_then(number)
                        .map_or(state.horizontal_scale, |s| s / 100.0)
                }
                "Tj" => {
                    if let Some(Ok(bytes)) = operands.first().map(Object::as_str) {
                        self.show(&mut state, bytes, writer);
                    }
                }
                "'" => {
                    state.next_line();
                    if let Some(Ok(bytes)) = operands.first().map(Object::as_str) {
                        self.show(&mut state, bytes, writer);
                    }
                }
                "\"" => {
                    state.word_spacing = operands.first().and_then(number).unwrap_or(state.word_spacing);
                    state.char_spacing = operands.get(1).and_then(number).unwrap_or(state.char_spacing);
                    state.next_line();
                    if let Some(Ok(bytes)) = operands.get(2).map(Object::as_str) {
                        self.show(&mut state, bytes, writer);
                    }
                }
                "TJ" => {
                    let Some(Ok(items)) = operands.first().map(Object::as_array) else {
                        continue;
                    };
                    for item in items {
                        match item {
                            Object::String(bytes, _) => self.show(&mut state, bytes, writer),
                            // A number moves the pen left by thousandths of the font size; a
                            // large negative one is how many producers write a space.
                            other => {
                                if let Some(adjust) = number(other) {
                                    state.advance(-adjust / 1000.0 * state.size * state.horizontal_scale);
                                }
                            }
                        }
                    }
                }
                "Do" => {
                    if let Some(name) = operands.first().and_then(|name| name.as_name().ok()) {
                        self.run_form(name, resources, open_forms, writer, page);
                    }
                }
                _ => {}
            }
        }
    }

    /// Runs a form XObject named by `Do`, with its own resources in front of the caller's.
    fn run_form(
        &mut self,
        name: &[u8],
        resources: &[&'a Dictionary],
        open_forms: &mut Vec<ObjectId>,
        writer: &mut PageWriter,
        page: u32,
    ) {
        if open_forms.len() >= MAX_FORM_DEPTH {
            return;
        }
        let document = self.document;
        let Some((Some(id), Object::Stream(stream))) = resource_entry(document, resources, b"XObject", name) else {
            return;
        };
        let is_form = stream
            .dict
            .get(b"Subtype")
            .and_then(Object::as_name)
            .is_ok_and(|subtype| subtype == b"Form");
        if !is_form || open_forms.contains(&id) {
            return;
        }
        let content = match stream.get_plain_content_with_limit(MAX_STREAM_BYTES) {
            Ok(content) => content,
            Err(error) => {
                self.warn(format!(
                    "page {page}: form XObject `{}` skipped: {error}",
                    String::from_utf8_lossy(name)
                ));
                return;
            }
        };
        let mut form_resources: Vec<&'a Dictionary> = stream
            .dict
            .get(b"Resources")
            .ok()
            .and_then(|object| resolve(document, object))
            .and_then(|object| object.as_dict().ok())
            .into_iter()
            .collect();
        form_resources.extend_from_slice(resources);
        open_forms.push(id);
        self.run(&content, &form_resources, open_forms, writer, page);
        open_forms.pop();
    }

    /// The decoder of the font a `Tf` names, built once per font object.
    fn font(
        &mut self,
        resources: &[&'a Dictionary],
        name: &[u8],
        local: &mut HashMap<Vec<u8>, Option<Rc<FontDecoder>>>,
        page: u32,
    ) -> Option<Rc<FontDecoder>> {
        if let Some(known) = local.get(name) {
            return known.clone();
        }
        let document = self.document;
        let found = resource_entry(document, resources, b"Font", name)
            .and_then(|(id, object)| object.as_dict().ok().map(|dict| (id, dict)));
        let decoder = match found {
            Some((Some(id), dict)) => Some(
                self.fonts
                    .entry(id)
                    .or_insert_with(|| Rc::new(FontDecoder::from_font(document, dict)))
                    .clone(),
            ),
            Some((None, dict)) => Some(Rc::new(FontDecoder::from_font(document, dict))),
            None => {
                self.warn(format!(
                    "page {page}: font `{}` is not in the page resources; only its ASCII is kept",
                    String::from_utf8_lossy(name)
                ));
                None
            }
        };
        if let Some(decoder) = &decoder
            && let ByteEncoding::Undecodable(encoding) = &decoder.encoding
            && decoder.to_unicode.is_none()
        {
            self.warn(format!(
                "font `{}` ({encoding}) has no ToUnicode map; its text cannot be decoded",
                decoder.base_font
            ));
        }
        local.insert(name.to_vec(), decoder.clone());
        decoder
    }

    /// Decodes one show-string, writes it at the current text position and moves the pen.
    fn show(&mut self, state: &mut TextState, bytes: &[u8], writer: &mut PageWriter) {
        let mut run = String::new();
        let advance = match &state.font {
            Some(font) => font.decode(bytes, &mut run),
            None => decode_unknown_font(bytes, &mut run),
        };
        for c in run.chars().filter(|c| !c.is_whitespace()) {
            self.decoded += 1;
            if c == char::REPLACEMENT_CHARACTER {
                self.replaced += 1;
            }
        }
        let width = (advance.ems * state.size
            + advance.glyphs as f32 * state.char_spacing
            + advance.spaces as f32 * state.word_spacing)
            * state.horizontal_scale;
        let (x, y) = state.position();
        let size = state.device_size();
        state.advance(width);
        let (end_x, _) = state.position();
        if self.text_bytes.saturating_add(run.len()) > MAX_TEXT_BYTES {
            if !self.stopped {
                self.stopped = true;
                self.warn(format!("text truncated at {MAX_TEXT_BYTES} bytes"));
            }
            return;
        }
        self.text_bytes += run.len();
        writer.push_run(&run, x, y, end_x, size);
    }
}

/// A finite number operand.
fn number(object: &Object) -> Option<f32> {
    let value = match object {
        Object::Integer(value) => *value as f32,
        Object::Real(value) => *value,
        _ => return None,
    };
    value.is_finite().then_some(value)
}

fn resolve<'a>(document: &'a Document, object: &'a Object) -> Option<&'a Object> {
    document.dereference(object).ok().map(|(_, object)| object)
}

/// The page's resource dictionaries, nearest first (the page, then inherited ones).
fn page_resources(document: &Document, page_id: ObjectId) -> Vec<&Dictionary> {
    let Ok((direct, ids)) = document.get_page_resources(page_id) else {
        return Vec::new();
    };
    let mut resources: Vec<&Dictionary> = direct.into_iter().collect();
    resources.extend(ids.iter().filter_map(|id| document.get_dictionary(*id).ok()));
    resources
}

/// Looks `name` up in the `category` (`/Font`, `/XObject`) of the first resource
/// dictionary that has it; returns the object id when the entry is a reference.
fn resource_entry<'a>(
    document: &'a Document,
    resources: &[&'a Dictionary],
    category: &[u8],
    name: &[u8],
) -> Option<(Option<ObjectId>, &'a Object)> {
    for dict in resources {
        let Some(entries) = dict
            .get(category)
            .ok()
            .and_then(|object| resolve(document, object))
            .and_then(|object| object.as_dict().ok())
        else {
            continue;
        };
        if let Ok(entry) = entries.get(name)
            && let Some(target) = resolve(document, entry)
        {
            return Some((entry.as_reference().ok(), target));
        }
    }
    None
}

/// Text matrices and text state parameters (PDF 32000-1 §9.3, §9.4).
struct TextState {
    matrix: [f32; 6],
    line_matrix: [f32; 6],
    font: Option<Rc<FontDecoder>>,
    size: f32,
    leading: f32,
    char_spacing: f32,
    word_spacing: f32,
    horizontal_scale: f32,
}

const IDENTITY: [f32; 6] = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

impl Default for TextState {
    fn default() -> Self {
        TextState {
            matrix: IDENTITY,
            line_matrix: IDENTITY,
            font: None,
            size: 0.0,
            leading: 0.0,
            char_spacing: 0.0,
            word_spacing: 0.0,
            horizontal_scale: 1.0,
        }
    }
}

impl TextState {
    fn begin_text(&mut self) {
        self.matrix = IDENTITY;
        self.line_matrix = IDENTITY;
    }

    fn set_matrix(&mut self, matrix: [f32; 6]) {
        self.matrix = matrix;
        self.line_matrix = matrix;
    }

    fn move_line(&mut self, tx: f32, ty: f32) {
        let [a, b, c, d, e, f] = self.line_matrix;
        self.line_matrix = [a, b, c, d, tx * a + ty * c + e, tx * b + ty * d + f];
        self.matrix = self.line_matrix;
    }

    fn next_line(&mut self) {
        self.move_line(0.0, -self.leading);
    }

    /// Moves the pen along the baseline by `tx` text-space units.
    fn advance(&mut self, tx: f32) {
        if !tx.is_finite() {
            return;
        }
        let [a, b, ..] = self.matrix;
        self.matrix[4] += tx * a;
        self.matrix[5] += tx * b;
    }

    fn position(&self) -> (f32, f32) {
        (self.matrix[4], self.matrix[5])
    }

    /// The font size in the units of the positions (text matrix applied, CTM ignored).
    fn device_size(&self) -> f32 {
        let [a, b, c, d, ..] = self.matrix;
        let vertical = c.hypot(d);
        let scale = if vertical > 0.0 { vertical } else { a.hypot(b) };
        (self.size * scale).abs()
    }
}

/// Joins the runs of one page into lines: a new line when the baseline moves by more than
/// half the font size, a space when the pen jumps right by more than 0.15 em (TeX and
/// FOP write a justified word gap as a `TJ` adjustment of 0.2–0.33 em, kerns stay below 0.1).
#[derive(Default)]
struct PageWriter {
    text: String,
    last: Option<Pen>,
}

struct Pen {
    y: f32,
    end_x: f32,
    size: f32,
}

impl PageWriter {
    fn push_run(&mut self, run: &str, x: f32, y: f32, end_x: f32, size: f32) {
        if run.is_empty() {
            return;
        }
        if let Some(last) = &self.last {
            let size = last.size.max(size).max(1.0);
            let ends_blank = self.text.chars().last().is_none_or(char::is_whitespace);
            let starts_blank = run.chars().next().is_some_and(char::is_whitespace);
            if (y - last.y).abs() > size * 0.5 {
                if !self.text.is_empty() && !self.text.ends_with('\n') {
                    self.text.push('\n');
                }
            } else if x - last.end_x > size * 0.15 && !ends_blank && !starts_blank {
                self.text.push(' ');
            }
        }
        self.text.push_str(run);
        self.last = Some(Pen { y, end_x, size });
    }

    fn finish(self) -> String {
        let lines: Vec<&str> = self.text.lines().map(str::trim_end).collect();
        lines.join("\n").trim().to_string()
    }
}

/// Where a show-string's codes went: the widths in ems, the glyph count and the count of
/// single-byte spaces (word spacing applies to those only).
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Advance {
    ems: f32,
    glyphs: usize,
    spaces: usize,
}

/// Text shown with a font that is missing from the resources: ASCII is kept, the rest is
/// undecodable.
fn decode_unknown_font(bytes: &[u8], out: &mut String) -> Advance {
    let mut advance = Advance::default();
    for &byte in bytes {
        let c = if byte == b' ' || byte.is_ascii_graphic() {
            char::from(byte)
        } else {
            char::REPLACEMENT_CHARACTER
        };
        out.push(c);
        advance.ems += estimated_width(c);
        advance.glyphs += 1;
        advance.spaces += usize::from(byte == b' ');
    }
    advance
}

/// A width guess when the font gives none: full width for CJK, half for the rest.
fn estimated_width(c: char) -> f32 {
    if c == ' ' {
        0.25
    } else if is_wide(c) {
        1.0
    } else {
        0.5
    }
}

fn is_wide(c: char) -> bool {
    matches!(c, '\u{2E80}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7AF}' | '\u{F900}'..='\u{FAFF}' | '\u{FF01}'..='\u{FF60}')
        || c >= '\u{20000}'
}

/// How the bytes of a show-string become characters when no `/ToUnicode` entry applies.
#[derive(Debug)]
enum ByteEncoding {
    /// A predefined CJK CMap whose codes are the bytes of a legacy encoding
    /// (`GBK-EUC-H` → GB18030, `ETen-B5-H` → Big5, `90ms-RKSJ-H` → Shift_JIS …).
    Multibyte(&'static Encoding),
    /// `UniGB-UCS2-H`, `UniGB-UTF16-H` and the other Unicode CMaps.
    Utf16Be,
    /// Simple fonts: one byte per glyph. `None` is Latin-1 (StandardEncoding and unnamed
    /// encodings); `differences` holds the `/Differences` glyph names we understand.
    SingleByte {
        base: Option<&'static Encoding>,
        differences: HashMap<u8, char>,
    },
    /// `Identity-H` and embedded CMaps: codes are glyph ids, meaningless without the font.
    Undecodable(String),
}

#[derive(Debug)]
enum Widths {
    /// `/FirstChar` + `/Widths` of a simple font, in thousandths of an em.
    Simple {
        first: u32,
        widths: Vec<f32>,
    },
    /// `/W` + `/DW` of a CID font, used when codes are CIDs (`Identity-H`).
    Cid {
        default: f32,
        widths: HashMap<u32, f32>,
    },
    Unknown,
}

/// Everything needed to turn one font's show-strings into text.
#[derive(Debug)]
struct FontDecoder {
    base_font: String,
    is_composite: bool,
    to_unicode: Option<CMap>,
    encoding: ByteEncoding,
    widths: Widths,
}

impl FontDecoder {
    fn from_font(document: &Document, font: &Dictionary) -> FontDecoder {
        let name_of = |key: &[u8]| -> Option<Vec<u8>> {
            font.get(key)
                .ok()
                .and_then(|object| resolve(document, object))
                .and_then(|o| o.as_name().ok())
                .map(<[u8]>::to_vec)
        };
        let base_font = name_of(b"BaseFont")
            .map(|name| String::from_utf8_lossy(&name).into_owned())
            .unwrap_or_default();
        let is_composite = name_of(b"Subtype").is_some_and(|subtype| subtype == b"Type0");
        let to_unicode = font
            .get(b"ToUnicode")
            .ok()
            .and_then(|object| resolve(document, object))
            .and_then(|object| object.as_stream().ok())
            .and_then(|stream| stream.get_plain_content_with_limit(MAX_CMAP_BYTES).ok())
            .map(|bytes| CMap::parse(&bytes))
            .filter(|cmap| !cmap.is_empty());
        let encoding_object = font.get(b"Encoding").ok().and_then(|object| resolve(document, object));
        let (encoding, widths) = if is_composite {
            let encoding = composite_encoding(encoding_object);
            let descendant = font
                .get(b"DescendantFonts")
                .ok()
                .and_then(|object| resolve(document, object))
                .and_then(|object| object.as_array().ok())
                .and_then(|fonts| fonts.first())
                .and_then(|object| resolve(document, object))
                .and_then(|object| object.as_dict().ok());
            let widths = match (&encoding, descendant) {
                (ByteEncoding::Undecodable(name), Some(descendant)) if name.starts_with("Identity") => {
                    cid_widths(document, descendant)
                }
                _ => Widths::Unknown,
            };
            (encoding, widths)
        } else {
            (
                simple_encoding(document, encoding_object),
                simple_widths(document, font),
            )
        };
        FontDecoder {
            base_font,
            is_composite,
            to_unicode,
            encoding,
            widths,
        }
    }

    /// Decodes `bytes` into `out` and reports how far the pen moves.
    fn decode(&self, bytes: &[u8], out: &mut String) -> Advance {
        let mut advance = Advance::default();
        let mut rest = bytes;
        while !rest.is_empty() {
            let length = self.code_length(rest).clamp(1, rest.len());
            let (code, tail) = rest.split_at(length);
            rest = tail;
            let start = out.len();
            self.decode_code(code, out);
            let decoded = out.get(start..).unwrap_or_default();
            advance.ems += self.width(code, decoded);
            advance.glyphs += 1;
            advance.spaces += usize::from(code == b" ");
        }
        advance
    }

    fn code_length(&self, rest: &[u8]) -> usize {
        if let Some(length) = self.to_unicode.as_ref().and_then(|cmap| cmap.code_length(rest)) {
            return length;
        }
        match &self.encoding {
            ByteEncoding::Multibyte(encoding) => multibyte_length(encoding, rest),
            ByteEncoding::Utf16Be => match rest {
                [0xD8..=0xDB, _, 0xDC..=0xDF, _, ..] => 4,
                _ => 2,
            },
            ByteEncoding::SingleByte { .. } => 1,
            ByteEncoding::Undecodable(_) => {
                if self.is_composite {
                    2
                } else {
                    1
                }
            }
        }
    }

    fn decode_code(&self, code: &[u8], out: &mut String) {
        if let Some(text) = self.to_unicode.as_ref().and_then(|cmap| cmap.lookup(code)) {
            out.extend(text.chars().filter(|c| !c.is_control() && *c != '\u{FEFF}'));
            return;
        }
        match &self.encoding {
            ByteEncoding::Multibyte(encoding) => push_decoded(encoding, code, out),
            ByteEncoding::Utf16Be => out.push_str(&utf16be_lossy(code)),
            ByteEncoding::SingleByte { base, differences } => {
                for &byte in code {
                    let c = match (differences.get(&byte), base) {
                        (Some(&c), _) => c,
                        (None, _) if byte < 0x20 => {
                            if matches!(byte, b'\t' | b'\n' | b'\r') {
                                ' '
                            } else {
                                char::REPLACEMENT_CHARACTER
                            }
                        }
                        (None, Some(encoding)) => {
                            let start = out.len();
                            push_decoded(encoding, &[byte], out);
                            if out.len() > start {
                                continue;
                            }
                            char::REPLACEMENT_CHARACTER
                        }
                        (None, None) => char::from(byte),
                    };
                    out.push(c);
                }
            }
            ByteEncoding::Undecodable(_) => out.push(char::REPLACEMENT_CHARACTER),
        }
    }

    /// The glyph width in ems: from the font's width arrays when the code indexes them,
    /// else a guess from the decoded text.
    fn width(&self, code: &[u8], decoded: &str) -> f32 {
        let known = match &self.widths {
            Widths::Simple { first, widths } => code
                .first()
                .and_then(|&byte| u32::from(byte).checked_sub(*first))
                .and_then(|index| widths.get(usize::try_from(index).ok()?))
                .copied(),
            Widths::Cid { default, widths } => Some(widths.get(&code_value(code)).copied().unwrap_or(*default)),
            Widths::Unknown => None,
        };
        match known {
            Some(width) if width > 0.0 && width.is_finite() => width / 1000.0,
            _ if decoded.is_empty() => {
                if code.len() > 1 {
                    1.0
                } else {
                    0.5
                }
            }
            _ => decoded.chars().map(estimated_width).sum(),
        }
    }
}

/// Code length in a legacy CJK byte encoding.
fn multibyte_length(encoding: &'static Encoding, rest: &[u8]) -> usize {
    let first = rest.first().copied().unwrap_or(0);
    if encoding == UTF_8 {
        match first {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => 1,
        }
    } else if encoding == SHIFT_JIS {
        if matches!(first, 0x81..=0x9F | 0xE0..=0xFC) {
            2
        } else {
            1
        }
    } else if encoding == GB18030 {
        match rest {
            [0x81..=0xFE, 0x30..=0x39, ..] => 4,
            [0x81..=0xFE, ..] => 2,
            _ => 1,
        }
    } else if first >= 0x81 {
        2
    } else {
        1
    }
}

fn push_decoded(encoding: &'static Encoding, bytes: &[u8], out: &mut String) {
    let (text, _) = encoding.decode_without_bom_handling(bytes);
    out.extend(text.chars().filter(|c| !c.is_control() || *c == '\t'));
}

/// UTF-16BE with lone surrogates and a trailing odd byte turned into U+FFFD; a single
/// byte is taken as Latin-1 (some ToUnicode maps write `<20>` for a space).
fn utf16be_lossy(bytes: &[u8]) -> String {
    if let [byte] = bytes {
        return char::from(*byte).to_string();
    }
    let units = bytes.chunks(2).map(|pair| match pair {
        [high, low] => u16::from_be_bytes([*high, *low]),
        _ => 0xFFFD,
    });
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// The byte encoding implied by a Type0 font's `/Encoding` (a predefined CMap name, or an
/// embedded CMap stream that names or uses one).
fn composite_encoding(encoding: Option<&Object>) -> ByteEncoding {
    let name = match encoding {
        Some(Object::Name(name)) => Some(name.as_slice()),
        Some(Object::Stream(stream)) => [&b"CMapName"[..], &b"UseCMap"[..]]
            .iter()
            .find_map(|key| stream.dict.get(key).and_then(Object::as_name).ok())
            .filter(|name| predefined_cmap(name).is_some()),
        _ => None,
    };
    let Some(name) = name else {
        return ByteEncoding::Undecodable("embedded CMap".to_string());
    };
    predefined_cmap(name).unwrap_or_else(|| ByteEncoding::Undecodable(String::from_utf8_lossy(name).into_owned()))
}

/// The predefined CMaps (PDF 32000-1 Table 118) whose codes are bytes of a known encoding.
fn predefined_cmap(name: &[u8]) -> Option<ByteEncoding> {
    let name = std::str::from_utf8(name).ok()?;
    let base = name
        .strip_suffix("-H")
        .or_else(|| name.strip_suffix("-V"))
        .unwrap_or(name);
    let encoding = match base {
        "GB-EUC" | "GBpc-EUC" | "GBK-EUC" | "GBKp-EUC" | "GBK2K" => ByteEncoding::Multibyte(GB18030),
        "B5pc" | "ETen-B5" | "ETenms-B5" | "HKscs-B5" => ByteEncoding::Multibyte(BIG5),
        "83pv-RKSJ" | "90ms-RKSJ" | "90msp-RKSJ" | "90pv-RKSJ" => ByteEncoding::Multibyte(SHIFT_JIS),
        "KSC-EUC" | "KSCms-UHC" | "KSCms-UHC-HW" | "KSCpc-EUC" => ByteEncoding::Multibyte(EUC_KR),
        _ if base.starts_with("Uni") && (base.ends_with("-UCS2") || base.ends_with("-UTF16")) => ByteEncoding::Utf16Be,
        _ if base.starts_with("Uni") && base.ends_with("-UTF8") => ByteEncoding::Multibyte(UTF_8),
        _ => return None,
    };
    Some(encoding)
}

fn simple_encoding(document: &Document, encoding: Option<&Object>) -> ByteEncoding {
    let base_of = |name: &[u8]| match name {
        b"WinAnsiEncoding" => Some(WINDOWS_1252),
        b"MacRomanEncoding" => Some(MACINTOSH),
        _ => None,
    };
    match encoding {
        Some(Object::Name(name)) => ByteEncoding::SingleByte {
            base: base_of(name),
            differences: HashMap::new(),
        },
        Some(Object::Dictionary(dict)) => {
            let base = dict
                .get(b"BaseEncoding")
                .and_then(Object::as_name)
                .ok()
                .and_then(base_of);
            let differences = dict
                .get(b"Differences")
                .ok()
                .and_then(|object| resolve(document, object))
                .and_then(|object| object.as_array().ok())
                .map(|items| differences(items))
                .unwrap_or_default();
            ByteEncoding::SingleByte { base, differences }
        }
        _ => ByteEncoding::SingleByte {
            base: None,
            differences: HashMap::new(),
        },
    }
}

/// The `/Differences` entries whose glyph names say their character: `uniXXXX`, `uXXXX`,
/// single letters and digits, `space`. Other names keep the base encoding.
fn differences(items: &[Object]) -> HashMap<u8, char> {
    let mut map = HashMap::new();
    let mut code: Option<u32> = None;
    for item in items.iter().take(1024) {
        match item {
            Object::Integer(value) => code = u32::try_from(*value).ok(),
            Object::Name(name) => {
                if let Some(current) = code {
                    if let (Ok(byte), Some(c)) = (u8::try_from(current), glyph_name_char(name)) {
                        map.insert(byte, c);
                    }
                    code = current.checked_add(1);
                }
            }
            _ => {}
        }
    }
    map
}

fn glyph_name_char(name: &[u8]) -> Option<char> {
    let name = std::str::from_utf8(name).ok()?;
    if name == "space" {
        return Some(' ');
    }
    if let [single] = name.as_bytes()
        && single.is_ascii_alphanumeric()
    {
        return Some(char::from(*single));
    }
    let hex = name
        .strip_prefix("uni")
        .filter(|hex| hex.len() == 4)
        .or_else(|| name.strip_prefix('u').filter(|hex| (4..=6).contains(&hex.len())))?;
    u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
}

fn simple_widths(document: &Document, font: &Dictionary) -> Widths {
    let first = font
        .get(b"FirstChar")
        .ok()
        .and_then(|object| resolve(document, object))
        .and_then(|o| o.as_i64().ok());
    let widths = font
        .get(b"Widths")
        .ok()
        .and_then(|object| resolve(document, object))
        .and_then(|object| object.as_array().ok());
    match (first.and_then(|first| u32::try_from(first).ok()), widths) {
        (Some(first), Some(widths)) => Widths::Simple {
            first,
            widths: widths
                .iter()
                .take(256)
                .map(|width| resolve(document, width).and_then(number).unwrap_or(0.0))
                .collect(),
        },
        _ => Widths::Unknown,
    }
}

/// `/W` of a CID font: `c [w1 w2 …]` and `c_first c_last w` entries (PDF 32000-1 §9.7.4.3).
fn cid_widths(document: &Document, descendant: &Dictionary) -> Widths {
    let default = descendant
        .get(b"DW")
        .ok()
        .and_then(|object| resolve(document, object))
        .and_then(number)
        .unwrap_or(1000.0);
    let mut widths = HashMap::new();
    let items = descendant
        .get(b"W")
        .ok()
        .and_then(|object| resolve(document, object))
        .and_then(|object| object.as_array().ok())
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut index = 0;
    while let Some(first) = items.get(index).and_then(|object| object.as_i64().ok()) {
        let Ok(first) = u32::try_from(first) else { break };
        match items.get(index + 1).and_then(|object| resolve(document, object)) {
            Some(Object::Array(list)) => {
                for (offset, width) in list.iter().enumerate() {
                    if widths.len() >= MAX_WIDTH_ENTRIES {
                        break;
                    }
                    let (Ok(offset), Some(width)) = (u32::try_from(offset), number(width)) else {
                        continue;
                    };
                    widths.insert(first.saturating_add(offset), width);
                }
                index += 2;
            }
            Some(last) => {
                let (Some(last), Some(width)) = (
                    last.as_i64().ok().and_then(|last| u32::try_from(last).ok()),
                    items.get(index + 2).and_then(number),
                ) else {
                    break;
                };
                for cid in first..=last.min(first.saturating_add(u32::try_from(MAX_WIDTH_ENTRIES).unwrap_or(u32::MAX)))
                {
                    if widths.len() >= MAX_WIDTH_ENTRIES {
                        break;
                    }
                    widths.insert(cid, width);
                }
                index += 3;
            }
            None => break,
        }
    }
    Widths::Cid { default, widths }
}

/// A code's bytes as a big-endian number (codes are 1–4 bytes).
fn code_value(code: &[u8]) -> u32 {
    code.iter()
        .take(4)
        .fold(0u32, |value, &byte| (value << 8) | u32::from(byte))
}

/// A parsed `/ToUnicode` CMap: codespace ranges and code → text.
#[derive(Debug, Default)]
struct CMap {
    /// `(low, high)` byte strings of equal length 1–4, shortest first.
    codespace: Vec<(Vec<u8>, Vec<u8>)>,
    /// Keyed by (code length, code value).
    map: HashMap<(u8, u32), String>,
    /// Code lengths seen in the mappings, for CMaps without a codespace.
    lengths: BTreeSet<usize>,
}

impl CMap {
    fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    fn lookup(&self, code: &[u8]) -> Option<&str> {
        let length = u8::try_from(code.len()).ok()?;
        self.map.get(&(length, code_value(code))).map(String::as_str)
    }

    /// The length of the code at the start of `rest`: the codespace range it falls in, the
    /// shortest range when none matches, or the one length the mappings use.
    fn code_length(&self, rest: &[u8]) -> Option<usize> {
        if self.codespace.is_empty() {
            return match (self.lengths.first(), self.lengths.len()) {
                (Some(&length), 1) => Some(length),
                _ => None,
            };
        }
        let fits = |(low, high): &(Vec<u8>, Vec<u8>)| {
            rest.len() >= low.len()
                && low
                    .iter()
                    .zip(high)
                    .zip(rest)
                    .all(|((low, high), byte)| low <= byte && byte <= high)
        };
        self.codespace
            .iter()
            .find(|range| fits(range))
            .or_else(|| self.codespace.first())
            .map(|(low, _)| low.len())
    }

    fn insert(&mut self, code: &[u8], text: String) {
        let (Ok(length), true) = (u8::try_from(code.len()), (1..=4).contains(&code.len())) else {
            return;
        };
        if self.map.len() < MAX_CMAP_ENTRIES {
            self.map.insert((length, code_value(code)), text);
            self.lengths.insert(code.len());
        }
    }

    /// Parses the `codespacerange`, `bfchar` and `bfrange` sections; anything else
    /// (`usecmap`, `cidrange`, PostScript boilerplate) is skipped.
    fn parse(bytes: &[u8]) -> CMap {
        let mut cmap = CMap::default();
        let mut lexer = Lexer { bytes, position: 0 };
        while let Some(token) = lexer.next_token() {
            let Token::Word(word) = token else { continue };
            match word {
                b"begincodespacerange" => cmap.parse_codespace(&mut lexer),
                b"beginbfchar" => cmap.parse_bfchar(&mut lexer),
                b"beginbfrange" => cmap.parse_bfrange(&mut lexer),
                _ => {}
            }
        }
        cmap.codespace.sort_by_key(|(low, _)| low.len());
        cmap
    }

    fn parse_codespace(&mut self, lexer: &mut Lexer<'_>) {
        loop {
            match lexer.next_token() {
                Some(Token::Hex(low)) => {
                    if let Some(Token::Hex(high)) = lexer.next_token()
                        && low.len() == high.len()
                        && (1..=4).contains(&low.len())
                    {
                        self.codespace.push((low, high));
                    }
                }
                Some(Token::Word(b"endcodespacerange")) | None => return,
                Some(_) => {}
            }
        }
    }

    fn parse_bfchar(&mut self, lexer: &mut Lexer<'_>) {
        loop {
            match lexer.next_token() {
                Some(Token::Hex(source)) => {
                    if let Some(Token::Hex(target)) = lexer.next_token() {
                        self.insert(&source, utf16be_lossy(&target));
                    }
                }
                Some(Token::Word(b"endbfchar")) | None => return,
                Some(_) => {}
            }
        }
    }

    fn parse_bfrange(&mut self, lexer: &mut Lexer<'_>) {
        loop {
            match lexer.next_token() {
                Some(Token::Hex(low)) => {
                    let Some(Token::Hex(high)) = lexer.next_token() else {
                        continue;
                    };
                    match lexer.next_token() {
                        Some(Token::Hex(target)) => self.insert_incrementing(&low, &high, &target),
                        Some(Token::ArrayStart) => {
                            let mut code = low.clone();
                            while let Some(Token::Hex(target)) = lexer.next_token() {
                                if code_value(&code) > code_value(&high) {
                                    continue;
                                }
                                self.insert(&code, utf16be_lossy(&target));
                                if !increment(&mut code) {
                                    break;
                                }
                            }
                        }
                        _ => {}
                    }
                }
                Some(Token::Word(b"endbfrange")) | None => return,
                Some(_) => {}
            }
        }
    }

    /// `<low> <high> <target>`: consecutive codes map to consecutive characters (the last
    /// UTF-16 unit of `target` is incremented).
    fn insert_incrementing(&mut self, low: &[u8], high: &[u8], target: &[u8]) {
        if low.len() != high.len() || !(1..=4).contains(&low.len()) {
            return;
        }
        let (first, last) = (code_value(low), code_value(high));
        if last < first {
            return;
        }
        let mut units: Vec<u16> = match target {
            [byte] => vec![u16::from(*byte)],
            _ => target
                .chunks(2)
                .map(|pair| u16::from_be_bytes([pair.first().copied().unwrap_or(0), pair.get(1).copied().unwrap_or(0)]))
                .collect(),
        };
        let Some(&base) = units.last() else { return };
        let mut code = low.to_vec();
        for offset in 0..=(last - first) {
            if self.map.len() >= MAX_CMAP_ENTRIES {
                return;
            }
            if let Some(unit) = units.last_mut() {
                *unit = base.wrapping_add(u16::try_from(offset & 0xFFFF).unwrap_or(0));
            }
            let text = char::decode_utf16(units.iter().copied())
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect();
            self.insert(&code, text);
            if !increment(&mut code) {
                return;
            }
        }
    }
}

/// Adds one to a big-endian byte string; false on overflow.
fn increment(code: &mut [u8]) -> bool {
    for byte in code.iter_mut().rev() {
        if *byte == 0xFF {
            *byte = 0;
        } else {
            *byte += 1;
            return true;
        }
    }
    false
}

/// The tokens of a CMap program that matter here.
#[derive(Debug, PartialEq)]
enum Token<'a> {
    Hex(Vec<u8>),
    Word(&'a [u8]),
    ArrayStart,
    Other,
}

struct Lexer<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl<'a> Lexer<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.position).copied()
    }

    fn next_token(&mut self) -> Option<Token<'a>> {
        loop {
            match self.peek()? {
                b'%' => {
                    while let Some(byte) = self.peek() {
                        if byte == b'\n' || byte == b'\r' {
                            break;
                        }
                        self.position += 1;
                    }
                }
                byte if byte.is_ascii_whitespace() || byte == 0 => self.position += 1,
                _ => break,
            }
        }
        let byte = self.peek()?;
        self.position += 1;
        Some(match byte {
            b'<' if self.peek() == Some(b'<') => {
                self.position += 1;
                Token::Other
            }
            b'<' => {
                let mut digits = Vec::new();
                while let Some(byte) = self.peek() {
                    self.position += 1;
                    if byte == b'>' {
                        break;
                    }
                    if let Some(digit) = char::from(byte).to_digit(16).and_then(|d| u8::try_from(d).ok()) {
                        digits.push(digit);
                    }
                }
                // An odd final digit is followed by an implied 0 (PDF 32000-1 §7.3.4.3).
                Token::Hex(
                    digits
                        .chunks(2)
                        .map(|pair| (pair.first().copied().unwrap_or(0) << 4) | pair.get(1).copied().unwrap_or(0))
                        .collect(),
                )
            }
            b'[' => Token::ArrayStart,
            b'(' => {
                let mut depth = 1usize;
                while let Some(byte) = self.peek() {
                    self.position += 1;
                    match byte {
                        b'\\' => self.position += 1,
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                Token::Other
            }
            b'/' | b'>' | b']' | b'{' | b'}' | b')' => {
                if byte == b'/' {
                    self.skip_word();
                }
                Token::Other
            }
            _ => {
                let start = self.position - 1;
                self.skip_word();
                Token::Word(self.bytes.get(start..self.position).unwrap_or_default())
            }
        })
    }

    fn skip_word(&mut self) {
        while let Some(byte) = self.peek() {
            if byte.is_ascii_whitespace() || b"()<>[]{}/%".contains(&byte) {
                break;
            }
            self.position += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// Writes a PDF with a cross-reference table from object bodies numbered from 1.
    fn build_pdf(objects: &[Vec<u8>], trailer_extra: &str) -> Vec<u8> {
        let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
        let mut offsets = Vec::new();
        for (index, object) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", index + 1).as_bytes());
            out.extend_from_slice(object);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
        for offset in offsets {
            out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R {trailer_extra} >>\nstartxref\n{xref}\n%%EOF\n",
                objects.len() + 1
            )
            .as_bytes(),
        );
        out
    }

    fn stream(dict: &str, content: &[u8]) -> Vec<u8> {
        let mut out = format!("<< {dict} /Length {} >>\nstream\n", content.len()).into_bytes();
        out.extend_from_slice(content);
        out.extend_from_slice(b"\nendstream");
        out
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|byte| format!("{byte:02X}")).collect()
    }

    /// One page showing `content` with `/F1` = `font` (object 5) and `/F2` = Helvetica;
    /// `extra` objects are numbered from 7.
    fn one_page_pdf(font: &str, content: &[u8], extra: &[Vec<u8>]) -> Vec<u8> {
        let mut objects = vec![
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
              /Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>"
                .to_vec(),
            stream("", content),
            font.as_bytes().to_vec(),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_vec(),
        ];
        objects.extend_from_slice(extra);
        build_pdf(&objects, "")
    }

    const STSONG_GBK: &str = "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /GBK-EUC-H \
                              /DescendantFonts [7 0 R] >>";
    const STSONG_UCS2: &str = "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H \
                               /DescendantFonts [7 0 R] >>";
    const CID_FONT: &str = "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light \
                            /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /DW 1000 >>";
    const REPORT_TITLE: &str = "政府信息公开工作年度报告";

    fn gbk(text: &str) -> Vec<u8> {
        encoding_rs::GBK.encode(text).0.into_owned()
    }

    fn utf16(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_be_bytes).collect()
    }

    fn zlib(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).expect("writing to a Vec cannot fail");
        encoder.finish().expect("writing to a Vec cannot fail")
    }

    #[test]
    fn decodes_text_by_font_encoding() {
        struct Case {
            label: &'static str,
            font: &'static str,
            extra: Vec<Vec<u8>>,
            show: String,
            expected: &'static str,
            is_reliable: bool,
        }
        let tounicode_cmap = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
            1 begincodespacerange <0000> <FFFF> endcodespacerange\n\
            2 beginbfchar <0001> <653F> <0006> <0020> endbfchar\n\
            2 beginbfrange <0002> <0003> [<5E9C> <4FE1>] <0004> <0005> <0041> endbfrange\n\
            endcmap end end";
        let cid_font = || vec![CID_FONT.as_bytes().to_vec()];
        let cases = [
            Case {
                label: "helvetica",
                font: STSONG_GBK,
                extra: cid_font(),
                show: "BT /F2 10 Tf 50 800 Td (Zhoucun 2024 annual report) Tj ET".to_string(),
                expected: "Zhoucun 2024 annual report",
                is_reliable: true,
            },
            Case {
                label: "GBK-EUC-H without ToUnicode",
                font: STSONG_GBK,
                extra: cid_font(),
                show: format!("BT /F1 12 Tf 50 770 Td <{}> Tj ET", hex(&gbk(REPORT_TITLE))),
                expected: REPORT_TITLE,
                is_reliable: true,
            },
            Case {
                label: "UniGB-UCS2-H without ToUnicode",
                font: STSONG_UCS2,
                extra: cid_font(),
                show: format!("BT /F1 12 Tf 50 770 Td <{}> Tj ET", hex(&utf16(REPORT_TITLE))),
                expected: REPORT_TITLE,
                is_reliable: true,
            },
            Case {
                label: "Identity-H with a ToUnicode bfchar and bfrange",
                font: "<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+SimSun /Encoding /Identity-H \
                       /DescendantFonts [7 0 R] /ToUnicode 8 0 R >>",
                extra: vec![CID_FONT.as_bytes().to_vec(), stream("", tounicode_cmap)],
                show: "BT /F1 12 Tf 50 770 Td <000100020003000400050006> Tj <0001> Tj ET".to_string(),
                expected: "政府信AB 政",
                is_reliable: true,
            },
            Case {
                label: "Identity-H without ToUnicode",
                font: "<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+SimSun /Encoding /Identity-H \
                       /DescendantFonts [7 0 R] >>",
                extra: cid_font(),
                show: "BT /F1 12 Tf 50 770 Td <00010002> Tj ET".to_string(),
                expected: "\u{FFFD}\u{FFFD}",
                is_reliable: false,
            },
            Case {
                label: "font missing from the resources",
                font: STSONG_GBK,
                extra: cid_font(),
                show: format!("BT /F9 12 Tf 50 770 Td <{}> Tj ET", hex(&gbk(REPORT_TITLE))),
                expected: "\u{FFFD}",
                is_reliable: false,
            },
        ];
        for case in cases {
            let pdf = one_page_pdf(case.font, case.show.as_bytes(), &case.extra);
            let text = pdf_text(&pdf).unwrap_or_else(|error| panic!("{}: {error}", case.label));
            assert_eq!(text.pages, 1, "{}", case.label);
            assert!(text.text.contains(case.expected), "{}: {:?}", case.label, text.text);
            assert_eq!(text.reliable, case.is_reliable, "{}: {text:?}", case.label);
        }
    }

    #[test]
    fn lines_and_spaces_follow_the_text_positions() {
        let content = format!(
            "BT /F2 10 Tf 50 800 Td (Hello) Tj 40 0 Td [(World) -20 (!)] TJ ET\n\
             BT /F2 10 Tf 50 780 Td [(Two) -250 (words)] TJ 0 -20 Td (third) Tj T* ET\n\
             BT /F1 12 Tf 1 0 0 1 50 700 Tm <{}> Tj 1 0 0 1 74 700 Tm <{}> Tj ET",
            hex(&gbk("政府")),
            hex(&gbk("信息"))
        );
        let pdf = one_page_pdf(STSONG_GBK, content.as_bytes(), &[CID_FONT.as_bytes().to_vec()]);
        let text = pdf_text(&pdf).expect("valid PDF");
        assert_eq!(text.text, "Hello World!\nTwo words\nthird\n政府信息");
    }

    #[test]
    fn reads_compressed_streams_forms_and_several_pages() {
        let page_content = zlib(b"BT /F2 10 Tf 50 800 Td (First page) Tj ET /Fm1 Do");
        let form = zlib(b"BT /F2 10 Tf 50 500 Td (From the form) Tj ET /Fm1 Do");
        let objects = vec![
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [3 0 R 8 0 R] /Count 2 /Resources << /Font << /F2 6 0 R >> >> >>".to_vec(),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents [4 0 R] \
              /Resources << /Font << /F2 6 0 R >> /XObject << /Fm1 7 0 R >> >> >>"
                .to_vec(),
            stream("/Filter /FlateDecode", &page_content),
            b"<< >>".to_vec(),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
            stream(
                "/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Filter /FlateDecode",
                &form,
            ),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 9 0 R >>".to_vec(),
            stream("", b"BT /F2 10 Tf 50 800 Td (Second page) Tj ET"),
        ];
        let text = pdf_text(&build_pdf(&objects, "")).expect("valid PDF");
        assert_eq!(text.pages, 2);
        assert_eq!(text.text, "First page\nFrom the form\n\u{c}\nSecond page");
        assert!(text.reliable);
    }

    #[test]
    fn broken_pdfs_are_errors_not_panics() {
        let valid = one_page_pdf(STSONG_GBK, b"BT /F2 10 Tf (x) Tj ET", &[CID_FONT.as_bytes().to_vec()]);
        let encrypted = build_pdf(
            &[
                b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
                b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>".to_vec(),
                stream("", b"\x93\x1f\x00garbage"),
                format!(
                    "<< /Filter /Standard /V 1 /R 2 /O <{}> /U <{}> /P -44 >>",
                    hex(&[0x11; 32]),
                    hex(&[0x22; 32])
                )
                .into_bytes(),
            ],
            "/Encrypt 5 0 R /ID [<0123456789ABCDEF0123456789ABCDEF> <0123456789ABCDEF0123456789ABCDEF>]",
        );
        let cases: Vec<(&str, Vec<u8>, Option<PdfError>)> = vec![
            ("empty", Vec::new(), Some(PdfError::Empty)),
            ("encrypted", encrypted, Some(PdfError::Encrypted)),
            ("garbage", b"this is not a PDF at all \x00\xff\xfe".to_vec(), None),
            ("header only", b"%PDF-1.7\n".to_vec(), None),
            (
                "truncated",
                valid.get(..valid.len() / 2).unwrap_or_default().to_vec(),
                None,
            ),
            ("truncated early", valid.get(..40).unwrap_or_default().to_vec(), None),
        ];
        for (label, bytes, expected) in cases {
            let result = pdf_text(&bytes);
            match expected {
                Some(error) => assert_eq!(result, Err(error), "{label}"),
                // Whatever lopdf recovers is fine; it must not panic.
                None => {
                    if label == "garbage" {
                        assert!(result.is_err(), "{label}: {result:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn cmap_parser_handles_ranges_codespaces_and_junk() {
        let cmap = CMap::parse(
            b"% comment <0000>\n2 begincodespacerange <00> <80> <8140> <FEFE> endcodespacerange\n\
              1 beginbfchar <41> <0042> endbfchar\n\
              1 beginbfrange <8140> <8142> <4E00> endbfrange\n\
              1 beginbfrange <FFFF> <0000> <4E00> endbfrange\n(string with > and <) 1 beginbfchar <8> <20> endbfchar",
        );
        let cases: &[(&[u8], usize, Option<&str>)] = &[
            (b"A", 1, Some("B")),
            (b"\x81\x40", 2, Some("一")),
            (b"\x81\x42", 2, Some("丂")),
            (b"\x81\x43", 2, None),
            (b"\x80", 1, Some(" ")),
        ];
        for (code, length, text) in cases {
            assert_eq!(cmap.code_length(code), Some(*length), "{code:?}");
            assert_eq!(cmap.lookup(code), *text, "{code:?}");
        }
        for junk in [
            &b"beginbfrange <00"[..],
            b"begincodespacerange <",
            b"beginbfchar <01> [",
            b"<<<<((((",
            b"\xff\xfe%",
        ] {
            let _ = CMap::parse(junk);
        }
    }

    #[test]
    fn fixture_pdfs_without_tounicode_decode() {
        let cases: &[(&str, &[u8], &[&str])] = &[
            (
                "zcq2024nb.pdf (GBK-EUC-H)",
                include_bytes!("../../fixtures/site/attach/2025/3/28/zcq2024nb.pdf"),
                &[
                    "Zhoucun 2024 annual report",
                    "周村区人民政府2024年政府信息公开工作年度报告",
                    "六、其他需要报告的事项",
                ],
            ),
            (
                "zfgb2025_4.pdf (UniGB-UCS2-H)",
                include_bytes!("../../fixtures/site/attach/2026/1/8/zfgb2025_4.pdf"),
                &["周村区人民政府公报2025年第4期（总第44期）", "人事任免"],
            ),
        ];
        for (label, bytes, expected) in cases {
            let text = pdf_text(bytes).unwrap_or_else(|error| panic!("{label}: {error}"));
            assert!(text.reliable, "{label}");
            assert_eq!(text.pages, 1, "{label}");
            for line in *expected {
                assert!(
                    text.text.lines().any(|l| l == *line),
                    "{label}: {line} not in {:?}",
                    text.text
                );
            }
        }
    }
}
