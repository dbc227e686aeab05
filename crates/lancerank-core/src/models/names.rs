//! Names that become paths: a file in a repository, a revision, the commit a
//! server names, an external-data file a graph names. Each is checked to be
//! a plain relative name before it touches the file system, so nothing a
//! server, a graph or a caller says can leave its folder.

/// Why a name was refused, for the caller to put in its own error.
#[derive(Debug)]
pub struct NotPlain(pub String);

/// Checks that `name` is a relative path of plain parts: no `..`, no
/// absolute or drive paths, no backslashes, no empty parts. `what` names it
/// in the refusal.
pub fn check_relative_name(what: &str, name: &str) -> Result<(), NotPlain> {
    let plain = |part: &str| {
        !part.is_empty()
            && part != "."
            && part != ".."
            && !part
                .chars()
                .any(|c| c == '\\' || c == ':' || c.is_control())
    };
    if name.split('/').all(plain) {
        Ok(())
    } else {
        Err(NotPlain(format!(
            "{what} `{}`: not a plain relative name (parts may not be empty, `.` or `..`, nor hold `\\`, `:` or control characters)",
            name.escape_debug()
        )))
    }
}

/// Whether `commit` (from a server or the cache's refs) can name a folder.
pub fn is_plain_commit(commit: &str) -> bool {
    !commit.is_empty()
        && commit.len() <= 128
        && commit != "."
        && commit != ".."
        && commit
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// Whether `model` reads as a hub id (`name` or `org/name`) rather than a path.
pub fn is_repo_id(model: &str) -> bool {
    let parts: Vec<&str> = model.split('/').collect();
    parts.len() <= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && !p.starts_with('.')
                && !p.contains("--")
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_ids_and_paths() {
        assert!(is_repo_id("cross-encoder/ms-marco-MiniLM-L-6-v2"));
        assert!(is_repo_id("bert-base-uncased"));
        for path in [
            "./model",
            "/abs/model",
            "a/b/c",
            "../up",
            "",
            "a//b",
            "org/na me",
        ] {
            assert!(!is_repo_id(path), "{path}");
        }
    }

    #[test]
    fn relative_names() {
        assert!(check_relative_name("file", "onnx/model.onnx").is_ok());
        for bad in ["../x", "/etc/passwd", "a//b", "a\\b", "c:x", "./a", "a/.."] {
            assert!(check_relative_name("file", bad).is_err(), "{bad}");
        }
        assert!(is_plain_commit("0123abc"));
        assert!(!is_plain_commit("../.."));
        assert!(!is_plain_commit("a/b"));
    }
}
