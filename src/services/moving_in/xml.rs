//! Exports read as a stream of records (a WordPress `item`, a Blogger `entry`): the file is never
//! held whole in memory, only the one record being read, as a small tree with resolved namespaces.

use std::io::BufRead;

use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;

/// One element of a record: its namespace URI, local name, attributes (local names) and text.
#[derive(Debug, Default, Clone)]
pub struct Element {
    pub ns: String,
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// The first child with this local name (in any namespace: exports use each name once).
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child with this local name.
    pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of the first child with this name, `""` when there is none.
    pub fn text_of(&self, name: &str) -> &str {
        self.child(name).map_or("", |c| c.text.trim())
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a file cannot be read as XML, with the byte where it went wrong.
#[derive(Debug)]
pub struct XmlError {
    pub position: u64,
    pub reason: String,
}

impl std::fmt::Display for XmlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at byte {}: {}", self.position, self.reason)
    }
}

/// A record is refused past this much text (it is still read to its end, then reported).
pub const MAX_RECORD_BYTES: usize = 64 << 20;

fn namespace(resolved: &ResolveResult<'_>) -> String {
    match resolved {
        ResolveResult::Bound(ns) => String::from_utf8_lossy(ns.as_ref()).into_owned(),
        ResolveResult::Unbound | ResolveResult::Unknown(_) => String::new(),
    }
}

/// What `Records::next_record` yields.
#[derive(Debug)]
pub enum Record {
    /// A wanted element, whole.
    Element(Element),
    /// A wanted element larger than `MAX_RECORD_BYTES`.
    TooLarge { name: String },
}

/// The wanted elements of a document, in order, at whatever depth they are; everything else is
/// read (so the whole file is checked for well-formedness) and dropped.
pub struct Records<R: BufRead> {
    reader: NsReader<R>,
    buf: Vec<u8>,
    wanted: fn(&str, &str) -> bool,
    depth: usize,
    /// The document element's namespace and local name, once read.
    pub root: Option<(String, String)>,
    /// Namespaces seen on elements, so a caller can tell which export this is.
    pub namespaces: Vec<String>,
}

impl<R: BufRead> Records<R> {
    /// `wanted(namespace, local_name)` picks the records.
    pub fn new(input: R, wanted: fn(&str, &str) -> bool) -> Records<R> {
        let mut reader = NsReader::from_reader(input);
        let config = reader.config_mut();
        config.trim_text(false);
        config.check_end_names = true;
        config.expand_empty_elements = false;
        Records {
            reader,
            buf: Vec::new(),
            wanted,
            depth: 0,
            root: None,
            namespaces: Vec::new(),
        }
    }

    /// How far into the file reading has come, in bytes.
    pub fn position(&self) -> u64 {
        self.reader.buffer_position()
    }

    fn error(&self, reason: impl std::fmt::Display) -> XmlError {
        XmlError {
            position: self
                .reader
                .error_position()
                .max(self.reader.buffer_position()),
            reason: reason.to_string(),
        }
    }

    fn note_namespace(&mut self, ns: &str) {
        if !ns.is_empty() && self.namespaces.len() < 64 && !self.namespaces.iter().any(|n| n == ns)
        {
            self.namespaces.push(ns.to_string());
        }
    }

    /// The next wanted record, `None` at the end of the document.
    pub fn next_record(&mut self) -> Result<Option<Record>, XmlError> {
        loop {
            self.buf.clear();
            let (ns, event) = match self.reader.read_resolved_event_into(&mut self.buf) {
                Ok((resolved, event)) => (namespace(&resolved), event.into_owned()),
                Err(e) => return Err(self.error(e)),
            };
            match event {
                Event::Start(start) => {
                    self.note_namespace(&ns);
                    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                    if self.root.is_none() {
                        self.root = Some((ns.clone(), name.clone()));
                    }
                    if (self.wanted)(&ns, &name) {
                        let head = self.element_head(ns, name, &start)?;
                        return self.read_record(head).map(Some);
                    }
                    self.depth += 1;
                }
                Event::Empty(start) => {
                    self.note_namespace(&ns);
                    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                    if self.root.is_none() {
                        self.root = Some((ns.clone(), name.clone()));
                    }
                    if (self.wanted)(&ns, &name) {
                        return Ok(Some(Record::Element(self.element_head(ns, name, &start)?)));
                    }
                }
                Event::End(_) => self.depth = self.depth.saturating_sub(1),
                Event::Eof => {
                    if self.root.is_none() {
                        return Err(self.error("there is no XML element in the file"));
                    }
                    if self.depth > 0 {
                        return Err(self.error("the file ends before its elements are closed"));
                    }
                    return Ok(None);
                }
                Event::Text(_)
                | Event::CData(_)
                | Event::GeneralRef(_)
                | Event::Comment(_)
                | Event::Decl(_)
                | Event::PI(_)
                | Event::DocType(_) => {}
            }
        }
    }

    fn element_head(
        &mut self,
        ns: String,
        name: String,
        start: &quick_xml::events::BytesStart<'_>,
    ) -> Result<Element, XmlError> {
        let mut attrs = Vec::new();
        for attr in start.attributes() {
            let attr = attr.map_err(|e| self.error(e))?;
            let key = String::from_utf8_lossy(attr.key.local_name().as_ref()).into_owned();
            let value = attr
                .decoded_and_normalized_value(
                    quick_xml::XmlVersion::Implicit1_0,
                    self.reader.decoder(),
                )
                .map_err(|e| self.error(e))?
                .into_owned();
            attrs.push((key, value));
        }
        Ok(Element {
            ns,
            name,
            attrs,
            ..Element::default()
        })
    }

    /// Reads the rest of a record whose start tag was just read.
    fn read_record(&mut self, head: Element) -> Result<Record, XmlError> {
        let mut stack = vec![head];
        let mut bytes = 0usize;
        let mut too_large = false;
        loop {
            self.buf.clear();
            let (ns, event) = match self.reader.read_resolved_event_into(&mut self.buf) {
                Ok((resolved, event)) => (namespace(&resolved), event.into_owned()),
                Err(e) => return Err(self.error(e)),
            };
            let text: Option<String> = match &event {
                Event::Text(t) => Some(t.xml10_content().map_err(|e| self.error(e))?.into_owned()),
                Event::CData(t) => Some(t.xml10_content().map_err(|e| self.error(e))?.into_owned()),
                Event::GeneralRef(r) => Some(match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => {
                        let name = r.decode().map_err(|e| self.error(e))?;
                        match name.as_ref() {
                            "amp" => "&".into(),
                            "lt" => "<".into(),
                            "gt" => ">".into(),
                            "quot" => "\"".into(),
                            "apos" => "'".into(),
                            other => return Err(self.error(format!("unknown entity &{other};"))),
                        }
                    }
                    Err(e) => return Err(self.error(e)),
                }),
                _ => None,
            };
            if let Some(text) = text {
                bytes += text.len();
                too_large |= bytes > MAX_RECORD_BYTES;
                if !too_large && let Some(top) = stack.last_mut() {
                    top.text.push_str(&text);
                }
                continue;
            }
            match event {
                Event::Start(start) => {
                    self.note_namespace(&ns);
                    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                    stack.push(self.element_head(ns, name, &start)?);
                }
                Event::Empty(start) => {
                    self.note_namespace(&ns);
                    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                    let element = self.element_head(ns, name, &start)?;
                    if !too_large && let Some(top) = stack.last_mut() {
                        top.children.push(element);
                    }
                }
                Event::End(_) => {
                    let Some(done) = stack.pop() else {
                        return Err(self.error("an element closes that was never opened"));
                    };
                    match stack.last_mut() {
                        Some(parent) if !too_large => parent.children.push(done),
                        Some(_) => {}
                        None if too_large => return Ok(Record::TooLarge { name: done.name }),
                        None => return Ok(Record::Element(done)),
                    }
                }
                Event::Eof => return Err(self.error("the file ends inside an element")),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(xml: &str) -> Result<Vec<Element>, XmlError> {
        let mut r = Records::new(xml.as_bytes(), |_, name| name == "item");
        let mut out = Vec::new();
        while let Some(record) = r.next_record()? {
            if let Record::Element(e) = record {
                out.push(e);
            }
        }
        Ok(out)
    }

    #[test]
    fn records_come_whole_with_namespaces_text_and_entities() -> Result<(), XmlError> {
        let items = records(
            r#"<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel>
            <item><title>A &amp; B &#233;</title><wp:post_id>7</wp:post_id>
            <content><![CDATA[<p>x</p>]]></content><category nicename="n"/></item>
            <item><title>Two</title></item></channel></rss>"#,
        )?;
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].text_of("title"), "A & B é");
        let id = items[0].child("post_id").map(|e| e.ns.as_str());
        assert_eq!(id, Some("http://wordpress.org/export/1.2/"));
        assert_eq!(items[0].text_of("content"), "<p>x</p>");
        assert_eq!(
            items[0].child("category").and_then(|c| c.attr("nicename")),
            Some("n")
        );
        Ok(())
    }

    #[test]
    fn broken_files_are_errors_with_a_position() {
        for broken in [
            "<rss><channel><item><title>x</title></channel></rss>",
            "<rss><channel><item><title>x</title></item>",
            "not xml at all",
            "<rss><item>&nbsp;</item></rss>",
        ] {
            assert!(records(broken).is_err(), "{broken}");
        }
    }
}
