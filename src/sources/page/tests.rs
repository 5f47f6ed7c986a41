use super::*;

const NGO: &[u8] = include_bytes!("../../../tests/fixtures/pages/ngo-news.html");
const OFFICIAL: &[u8] = include_bytes!("../../../tests/fixtures/pages/official-cp1252.html");
const PREVIEW: &[u8] = include_bytes!("../../../tests/fixtures/pages/telegram-preview.html");

fn selectors(
    item: &str,
    title: &str,
    link: Option<&str>,
    date: Option<&str>,
    summary: Option<&str>,
) -> Result<PageSelectors, crate::config::BadSelector> {
    PageSelectors::parse(item, title, link, date, summary)
}

fn at(s: &str) -> Option<DateTime<Utc>> {
    Some(DateTime::parse_from_rfc3339(s).unwrap().to_utc())
}

#[test]
fn a_wordpress_archive_yields_its_posts() {
    let page = selectors(
        "article",
        ".entry-title",
        Some(".entry-title a"),
        Some("time"),
        Some(".entry-summary"),
    )
    .unwrap();
    let items = extract(
        &page,
        NGO,
        Some("text/html; charset=UTF-8"),
        "https://observatorio.example/noticias/",
    )
    .unwrap();
    assert_eq!(items.len(), 2, "the post without a title is skipped");
    assert_eq!(
        items[0].title,
        "Detienen a defensora de derechos humanos en Caracas"
    );
    assert_eq!(
        items[0].link.as_deref(),
        Some("https://observatorio.example/2024/07/02/detienen-a-defensora-en-caracas/"),
        "relative links are resolved against the page"
    );
    assert_eq!(
        items[0].published,
        at("2024-07-02T22:58:44Z"),
        "the datetime attribute wins"
    );
    assert_eq!(
        items[0].summary,
        "Funcionarios del SEBIN se la llevaron sin orden judicial & sin informar a su familia."
    );
    assert_eq!(
        items[1].title, "Excarcelan a dos sindicalistas en Guanare",
        "whitespace folded"
    );
    assert_eq!(
        items[1].published,
        at("2024-07-01T00:00:00Z"),
        "a Spanish date in the text"
    );
}

#[test]
fn a_windows_1252_page_declared_in_a_meta_tag_is_decoded() {
    let page = selectors("tr.fila", "a.enlace", None, Some(".fecha"), None).unwrap();
    // No charset in the header: the meta tag says windows-1252.
    let items = extract(
        &page,
        OFFICIAL,
        Some("text/html"),
        "https://gov.example/prensa/",
    )
    .unwrap();
    assert_eq!(
        items[0].title,
        "Comunicado sobre la detención de observadores electorales en Barinas"
    );
    assert_eq!(
        items[0].link.as_deref(),
        Some("https://gov.example/prensa/comunicado.php?id=77")
    );
    assert_eq!(items[0].published, at("2024-07-28T00:00:00Z"));
    assert_eq!(items[1].published, at("2024-07-27T00:00:00Z"));
}

#[test]
fn a_selector_that_matches_nothing_is_an_error_and_a_bad_one_is_named() {
    let page = selectors("div.post", "h2", None, None, None).unwrap();
    assert!(matches!(
        extract(&page, NGO, None, "https://observatorio.example/"),
        Err(ParseError::NoItems)
    ));
    let bad = selectors("article", "h2[", None, None, None).unwrap_err();
    assert_eq!(bad.key, "title");
    assert!(bad.message.contains("\"h2[\""), "{}", bad.message);
}

#[test]
fn a_telegram_preview_yields_posts_with_ids_dates_and_links() {
    let items = telegram_channel(PREVIEW).unwrap();
    assert_eq!(items.len(), 2, "the photo without text is skipped");
    // Newest first, as feeds list them.
    assert_eq!(
        items[0].title,
        "Liberan a 3 manifestantes en Carabobo <actualización>"
    );
    assert_eq!(
        items[1].title,
        "ÚLTIMA HORA | Detienen a periodista en Maracaibo"
    );
    assert_eq!(
        items[1].link.as_deref(),
        Some("https://t.me/canalejemplo/1041")
    );
    assert_eq!(
        items[1].guid.as_deref(),
        Some("https://t.me/canalejemplo/1041")
    );
    assert_eq!(items[1].published, at("2024-07-29T01:15:02Z"));
    assert_eq!(
        items[1].summary,
        "ÚLTIMA HORA | Detienen a periodista en Maracaibo\nSegún testigos, funcionarios de la DGCIM lo trasladaron a un lugar desconocido. Más"
    );
}

#[test]
fn dates_in_the_usual_formats() {
    let day = |s| parse_date(s).map(|d| d.format("%Y-%m-%d").to_string());
    for (text, expected) in [
        ("2024-07-02", "2024-07-02"),
        ("2024-07-02 18:58", "2024-07-02"),
        ("02/07/2024", "2024-07-02"),
        ("2 de julio de 2024", "2024-07-02"),
        ("2 de julho de 2024", "2024-07-02"),
        ("July 2, 2024", "2024-07-02"),
        ("2 Jul 2024", "2024-07-02"),
        ("Tue, 02 Jul 2024 18:58:44 GMT", "2024-07-02"),
        ("martes, 2 de julio de 2024", "2024-07-02"),
    ] {
        assert_eq!(day(text).as_deref(), Some(expected), "{text}");
    }
    assert_eq!(parse_date("hace 2 horas"), None);
    assert_eq!(parse_date("31 de febrero de 2024"), None);
}
