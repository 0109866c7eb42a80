//! The documentation stays complete and connected:
//!
//! * every symbol `include/gradient.h` declares (each function, type, struct
//!   field and `GRAD_*` macro) is named in `docs/reference.md`;
//! * every relative link of every Markdown file in the repository points to
//!   a file that exists, and a `#fragment` into a Markdown file to one of its
//!   headings (GitHub's anchors) or `id="..."` anchors.
//!
//! (The C snippets of the docs are compiled and run by docs/check-snippets.sh.)

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The header without its comments.
fn header_code() -> String {
    let text = fs::read_to_string(root().join("include/gradient.h")).expect("include/gradient.h");
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("*/").expect("unterminated comment") + start + 2;
        rest = &rest[end..];
    }
    out.push_str(rest);
    out.lines()
        .map(|l| l.split("//").next().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !is_ident(c)).filter(|w| !w.is_empty())
}

/// Every `grad_*` / `GRAD_*` name and every struct field of the header.
fn header_symbols() -> BTreeSet<String> {
    let code = header_code();
    let mut symbols: BTreeSet<String> = words(&code)
        .filter(|w| w.starts_with("grad_") || w.starts_with("GRAD_"))
        .filter(|w| *w != "GRADIENT_H")
        .map(String::from)
        .collect();
    let mut in_struct = false;
    for line in code.lines() {
        let line = line.trim();
        if line.starts_with("typedef struct") && line.ends_with('{') {
            in_struct = true;
        } else if line.starts_with('}') {
            in_struct = false;
        } else if in_struct && line.ends_with(';') {
            let decl = line.trim_end_matches(';');
            let decl = decl.split('[').next().unwrap();
            if let Some(field) = words(decl).last() {
                symbols.insert(field.to_string());
            }
        }
    }
    symbols
}

#[test]
fn every_header_symbol_is_in_the_reference() {
    let reference =
        fs::read_to_string(root().join("docs/reference.md")).expect("docs/reference.md");
    let documented: BTreeSet<&str> = words(&reference).collect();
    let symbols = header_symbols();
    assert!(
        symbols.contains("grad_gradient_f64") && symbols.contains("coords_len"),
        "the header parser found too little: {symbols:?}"
    );
    let missing: Vec<&String> = symbols
        .iter()
        .filter(|s| !documented.contains(s.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/reference.md does not mention these symbols of include/gradient.h: {missing:?}\n\
         Document each one (what it is, when it is used, since which version)."
    );
}

/// Markdown files of the repository (not build outputs or other checkouts).
fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if !(name.starts_with('.')
                || name == "target"
                || name == "corpus"
                || name == "artifacts")
            {
                markdown_files(&path, out);
            }
        } else if name.ends_with(".md") {
            out.push(path);
        }
    }
}

/// The text outside fenced code blocks and inline code spans.
fn prose(text: &str) -> String {
    let mut out = String::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        // drop `code` spans
        let mut inside = false;
        for c in line.chars() {
            if c == '`' {
                inside = !inside;
            } else if !inside {
                out.push(c);
            }
        }
        out.push('\n');
    }
    out
}

/// The targets of inline links `[text](target)` and of reference
/// definitions `[label]: target`.
fn link_targets(text: &str) -> Vec<String> {
    let mut targets = Vec::new();
    let p = prose(text);
    let mut rest = p.as_str();
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        let Some(end) = after.find(')') else { break };
        let target = after[..end].split_whitespace().next().unwrap_or("");
        targets.push(target.trim_matches(|c| c == '<' || c == '>').to_string());
        rest = &after[end..];
    }
    for line in p.lines() {
        let line = line.trim_start();
        if let Some(close) = line.strip_prefix('[').and_then(|l| l.find("]:")) {
            let target = line[close + 3..].split_whitespace().next().unwrap_or("");
            targets.push(target.to_string());
        }
    }
    targets
}

/// GitHub's anchors of a Markdown file: its headings' slugs, with -1, -2
/// for repeats, and explicit `id="..."` / `name="..."` anchors.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        for key in ["id=\"", "name=\""] {
            let mut rest = line;
            while let Some(at) = rest.find(key) {
                let after = &rest[at + key.len()..];
                if let Some(end) = after.find('"') {
                    out.insert(after[..end].to_string());
                }
                rest = after;
            }
        }
        let trimmed = line.trim_start();
        if !trimmed.starts_with('#') {
            continue;
        }
        let title = trimmed.trim_start_matches('#').trim();
        let slug: String = title
            .to_lowercase()
            .chars()
            .filter(|&c| c.is_alphanumeric() || c == ' ' || c == '-' || c == '_')
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let mut candidate = slug.clone();
        let mut n = 0;
        while out.contains(&candidate) {
            n += 1;
            candidate = format!("{slug}-{n}");
        }
        out.insert(candidate);
    }
    out
}

#[test]
fn relative_links_in_markdown_resolve() {
    let mut files = Vec::new();
    markdown_files(root(), &mut files);
    files.sort();
    assert!(
        files.iter().any(|f| f.ends_with("docs/reference.md")),
        "found no docs/reference.md among {files:?}"
    );
    let mut broken = Vec::new();
    let mut checked = 0;
    for file in &files {
        let text = fs::read_to_string(file).unwrap();
        for target in link_targets(&text) {
            if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (path, fragment) = match target.split_once('#') {
                Some((p, f)) => (p, Some(f)),
                None => (target.as_str(), None),
            };
            let resolved = if path.is_empty() {
                file.clone()
            } else {
                file.parent().unwrap().join(path)
            };
            let shown = file.strip_prefix(root()).unwrap_or(file).display();
            if !resolved.exists() {
                broken.push(format!("{shown}: ({target}): no such file"));
                continue;
            }
            if let Some(fragment) = fragment {
                if resolved.extension().is_some_and(|e| e == "md") {
                    let there = fs::read_to_string(&resolved).unwrap();
                    if !anchors(&there).contains(fragment) {
                        broken.push(format!(
                            "{shown}: ({target}): no heading or anchor #{fragment}"
                        ));
                    }
                }
            }
        }
    }
    assert!(
        checked > 20,
        "only {checked} relative links found: is the parser broken?"
    );
    assert!(
        broken.is_empty(),
        "{} broken relative link(s) in Markdown files:\n{}",
        broken.len(),
        broken.join("\n")
    );
}
