//! The layers of `src/` stay as the README's "Layout" draws them: each top-level module may use
//! only the modules listed for it here, so no import cycle can come back. The check reads the
//! source: every `crate::<module>` a file names counts as a use.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Who may use whom. Lower layers first; a module not listed here may use nothing of ours.
const ALLOWED: &[(&str, &[&str])] = &[
    ("error", &[]),
    ("domain", &["error"]),
    ("config", &["domain"]),
    ("crypto", &["domain"]),
    ("json", &["error"]),
    ("outbound", &[]),
    ("content", &["domain"]),
    ("rate_limit", &["error"]),
    ("telemetry", &[]),
    ("security_headers", &[]),
    ("db", &["domain", "error"]),
    ("mail", &["db", "domain", "error"]),
    ("media_store", &["config", "error"]),
    (
        "services",
        &[
            "content",
            "crypto",
            "db",
            "domain",
            "error",
            "json",
            "mail",
            "media_store",
            "outbound",
        ],
    ),
    (
        "jobs",
        &[
            "crypto", "db", "domain", "error", "mail", "outbound", "services",
        ],
    ),
    ("auth", &["crypto", "db", "domain", "error", "services"]),
    ("http_cache", &["crypto", "error"]),
    (
        "state",
        &[
            "config",
            "crypto",
            "db",
            "error",
            "mail",
            "media_store",
            "rate_limit",
        ],
    ),
    (
        "routes",
        &[
            "auth",
            "content",
            "crypto",
            "db",
            "domain",
            "error",
            "http_cache",
            "json",
            "services",
            "state",
        ],
    ),
    ("openapi", &["domain", "error", "routes"]),
    (
        "startup",
        &[
            "auth",
            "config",
            "db",
            "domain",
            "error",
            "http_cache",
            "jobs",
            "mail",
            "media_store",
            "openapi",
            "routes",
            "security_headers",
            "services",
            "state",
            "telemetry",
        ],
    ),
    (
        "cli",
        &[
            "config",
            "db",
            "domain",
            "error",
            "media_store",
            "openapi",
            "services",
            "startup",
        ],
    ),
];

/// Every `crate::<module>` each top-level module names, from the files under `src/`.
fn uses() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut dirs = vec![src.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(&src).expect("under src");
            let first = relative.components().next().expect("a component");
            let module = first
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string();
            if module == "lib" || module == "main" {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read file");
            let used = found.entry(module.clone()).or_default();
            for (i, _) in text.match_indices("crate::") {
                let name: String = text[i + "crate::".len()..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != module {
                    used.insert(name);
                }
            }
        }
    }
    found
}

#[test]
fn each_layer_uses_only_the_layers_below_it() {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut wrong = Vec::new();
    for (module, used) in uses() {
        let may = allowed.get(module.as_str()).copied().unwrap_or(&[]);
        for u in used {
            if !may.contains(&u.as_str()) {
                wrong.push(format!("{module} uses {u}"));
            }
        }
    }
    assert!(wrong.is_empty(), "forbidden uses:\n{}", wrong.join("\n"));
}

#[test]
fn the_allowed_layers_have_no_cycle() {
    // Each module may only use modules listed before it: the table is in layer order.
    let mut seen = BTreeSet::new();
    for (module, may) in ALLOWED {
        for m in *may {
            assert!(
                seen.contains(m),
                "{module} may use {m}, which is not below it"
            );
        }
        seen.insert(*module);
    }
}

#[test]
fn the_check_sees_the_uses_it_must_refuse() {
    // A layering test that cannot fail is no test: the real tree has these edges.
    let found = uses();
    assert!(found["routes"].contains("services"));
    assert!(found["jobs"].contains("services"));
    assert!(!found["services"].contains("routes"));
    assert!(!found["cli"].contains("routes"));
}
