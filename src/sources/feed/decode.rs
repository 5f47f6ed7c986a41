//! A feed's bytes as text: by BOM, then the HTTP charset (RFC 7303: it
//! overrides the XML declaration), then the declaration, else UTF-8 or
//! windows-1252; the declaration then says UTF-8.
//!
//! One exception to RFC 7303: a server that calls a body Latin-1 (servers
//! long defaulted to it) when the body is UTF-8 with accented letters. Read
//! as Latin-1, `detención` would be `detenciÃ³n` and match nothing; bytes
//! of real Latin-1 text are almost never valid UTF-8, so valid UTF-8 wins
//! over a single-byte charset.

/// The feed's bytes as text (see the module doc for the order of evidence),
/// with the XML declaration made to say UTF-8.
pub fn decode(body: &[u8], content_type: Option<&str>) -> String {
    let (text, from_bytes) = if let Some(text) = utf32(body) {
        (text, true)
    } else if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(body) {
        (
            encoding
                .decode_without_bom_handling(&body[bom..])
                .0
                .into_owned(),
            true,
        )
    } else if let Some(encoding) = content_type
        .and_then(charset_param)
        .and_then(|c| encoding_rs::Encoding::for_label(c.as_bytes()))
        .filter(|e| !(e.is_single_byte() && is_utf8_beyond_ascii(body)))
    {
        (
            encoding.decode_without_bom_handling(body).0.into_owned(),
            true,
        )
    } else if let Some(encoding) = utf16_without_bom(body) {
        (
            encoding.decode_without_bom_handling(body).0.into_owned(),
            true,
        )
    } else if let Some(encoding) = declared_encoding(body)
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
        .filter(|e| *e != encoding_rs::UTF_8)
    {
        (
            encoding.decode_without_bom_handling(body).0.into_owned(),
            true,
        )
    } else {
        match std::str::from_utf8(body) {
            Ok(text) => (text.to_string(), false),
            Err(_) => (
                encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(body)
                    .0
                    .into_owned(),
                true,
            ),
        }
    };
    if from_bytes {
        declare_utf8(text)
    } else {
        text
    }
}

/// The charset parameter of a Content-Type.
fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(['"', '\'']).to_ascii_lowercase())
    })
}

/// The `encoding` of an XML declaration read as ASCII.
fn declared_encoding(body: &[u8]) -> Option<String> {
    let head = &body[..body.len().min(300)];
    let head = String::from_utf8_lossy(head);
    let decl = head.trim_start().strip_prefix("<?xml")?;
    let decl = &decl[..decl.find("?>")?];
    let at = decl.find("encoding")?;
    let value = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &value[1..];
    Some(value[..value.find(quote)?].trim().to_ascii_lowercase())
}

/// UTF-16 without a BOM, told by `<` and `?` with a zero byte beside each.
fn utf16_without_bom(body: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    match body.get(..4)? {
        [b'<', 0, b'?', 0] => Some(encoding_rs::UTF_16LE),
        [0, b'<', 0, b'?'] => Some(encoding_rs::UTF_16BE),
        _ => None,
    }
}

/// UTF-32 (which encoding_rs does not read), told by its BOM or by `<`
/// padded to four bytes.
fn utf32(body: &[u8]) -> Option<String> {
    let (big, skip) = match body.get(..4)? {
        [0, 0, 0xFE, 0xFF] => (true, 4),
        [0xFF, 0xFE, 0, 0] => (false, 4),
        [0, 0, 0, b'<'] => (true, 0),
        [b'<', 0, 0, 0] => (false, 0),
        _ => return None,
    };
    Some(
        body[skip..]
            .chunks_exact(4)
            .map(|c| {
                let n = if big {
                    u32::from_be_bytes([c[0], c[1], c[2], c[3]])
                } else {
                    u32::from_le_bytes([c[0], c[1], c[2], c[3]])
                };
                char::from_u32(n).unwrap_or(char::REPLACEMENT_CHARACTER)
            })
            .collect(),
    )
}

/// The XML declaration rewritten to say what the text now is.
fn declare_utf8(text: String) -> String {
    let start = text.len() - text.trim_start().len();
    let rest = &text[start..];
    if !rest.starts_with("<?xml") {
        return text;
    }
    let Some(end) = rest.find("?>") else {
        return text;
    };
    let decl = &rest[..end];
    let Some(at) = decl.find("encoding") else {
        return text;
    };
    let after = &decl[at..];
    let Some(q1) = after.find(['"', '\'']) else {
        return text;
    };
    let quote = &after[q1..=q1];
    let Some(q2) = after[q1 + 1..].find(quote) else {
        return text;
    };
    let (from, to) = (start + at, start + at + q1 + 1 + q2 + 1);
    format!("{}encoding=\"UTF-8\"{}", &text[..from], &text[to..])
}

/// Whether the bytes are UTF-8 and hold some char beyond ASCII.
fn is_utf8_beyond_ascii(body: &[u8]) -> bool {
    !body.is_ascii() && std::str::from_utf8(body).is_ok()
}
