//! Where things are in the repository, and the few facts read from its files
//! (the locked `wasm-bindgen` version, the versions pinned in `Trunk.toml`).

use std::env;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::Error;

/// The npm package whose `wasm-opt` Trunk uses. Debian's binaryen (wasm-opt 108)
/// corrupts wasm-bindgen 0.2.13x output, so the project brings its own.
pub const BINARYEN_NPM_PACKAGE: &str = "binaryen@132.0.0";
/// The version word `wasm-opt --version` prints for [`BINARYEN_NPM_PACKAGE`].
pub const WASM_OPT_VERSION: &str = "132";
/// The Trunk release the project builds with (0.22 needs a newer rustc than the project's).
pub const TRUNK_VERSION: &str = "0.21.14";

/// Paths of the repository the xtask belongs to.
#[derive(Debug, Clone)]
pub struct Workspace {
    root: PathBuf,
}

impl Workspace {
    /// The workspace this xtask was built from; `cargo xtask` always runs it from there.
    pub fn locate() -> Workspace {
        let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf();
        Workspace { root }
    }

    /// The repository root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `Cargo.lock`.
    pub fn lockfile(&self) -> PathBuf {
        self.root.join("Cargo.lock")
    }

    /// `Trunk.toml`.
    pub fn trunk_config(&self) -> PathBuf {
        self.root.join("Trunk.toml")
    }

    /// The release site Trunk writes.
    pub fn dist(&self) -> PathBuf {
        self.root.join("dist")
    }

    /// The end-to-end test package.
    pub fn e2e(&self) -> PathBuf {
        self.root.join("tests").join("e2e")
    }

    /// The browser tests' package, where `webdriver.json` lives.
    pub fn browser_tests(&self) -> PathBuf {
        self.root.join("tests")
    }

    /// Project-local tools that are not Cargo or Debian packages.
    pub fn tools(&self) -> PathBuf {
        self.root.join("target").join("tools")
    }

    /// Where the npm `binaryen` package is installed.
    pub fn binaryen_prefix(&self) -> PathBuf {
        self.tools().join("binaryen")
    }

    /// The folder holding the project's `wasm-opt` (and the rest of binaryen's programs).
    pub fn binaryen_bin(&self) -> PathBuf {
        self.binaryen_prefix().join("node_modules").join(".bin")
    }

    /// Screenshots written by the end-to-end test.
    pub fn screenshots(&self) -> PathBuf {
        self.root.join("target").join("screenshots")
    }

    /// `PATH` with the project-local tools first, so Trunk finds our `wasm-opt`
    /// before any system one.
    pub fn tool_path(&self) -> Result<OsString, Error> {
        let mut folders = vec![self.binaryen_bin()];
        if let Some(path) = env::var_os("PATH") {
            folders.extend(env::split_paths(&path));
        }
        env::join_paths(folders)
            .map_err(|error| Error::Check(format!("cannot build PATH for the tools: {error}")))
    }

    /// A `cargo` command run from the repository root, using the same cargo that runs us.
    pub fn cargo(&self) -> Command {
        let cargo = env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
        let mut command = Command::new(cargo);
        command.current_dir(&self.root);
        command
    }

    /// The version of `package` recorded in `Cargo.lock`.
    pub fn locked_version(&self, package: &'static str) -> Result<String, Error> {
        let lockfile = self.lockfile();
        let text = fs::read_to_string(&lockfile)
            .map_err(Error::io(format!("reading {}", lockfile.display())))?;
        locked_version_in(&text, package).ok_or(Error::MissingLockedPackage { package, lockfile })
    }

    /// A `key = "value"` string from a `[section]` of `Trunk.toml`.
    pub fn trunk_setting(&self, section: &str, key: &str) -> Result<Option<String>, Error> {
        let path = self.trunk_config();
        let text =
            fs::read_to_string(&path).map_err(Error::io(format!("reading {}", path.display())))?;
        Ok(toml_string_in(&text, section, key))
    }
}

/// Finds `version` of the `[[package]]` named `package` in the text of a Cargo.lock.
/// Cargo.lock is machine-written with one `key = "value"` a line, so no TOML parser is needed.
fn locked_version_in(lockfile: &str, package: &str) -> Option<String> {
    let wanted_name = format!("name = \"{package}\"");
    let mut lines = lockfile.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if line == wanted_name {
            for field in lines.by_ref() {
                if field.starts_with("[[") || field.is_empty() {
                    break;
                }
                if let Some(version) = field.strip_prefix("version = ") {
                    return Some(version.trim_matches('"').to_owned());
                }
            }
        }
    }
    None
}

/// Reads a plain `key = "value"` line inside `[section]` of a small TOML file.
fn toml_string_in(text: &str, section: &str, key: &str) -> Option<String> {
    let header = format!("[{section}]");
    let mut in_section = false;
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.starts_with('[') {
            in_section = line == header;
            continue;
        }
        if !in_section {
            continue;
        }
        if let Some((name, value)) = line.split_once('=') {
            if name.trim() == key {
                return Some(value.trim().trim_matches('"').to_owned());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCKFILE: &str = r#"
version = 4

[[package]]
name = "wasm-bindgen-backend"
version = "0.2.99"

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;

    #[test]
    fn finds_the_exact_package_not_a_prefix_match() {
        assert_eq!(
            locked_version_in(LOCKFILE, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(locked_version_in(LOCKFILE, "wasm"), None);
    }

    #[test]
    fn reads_a_setting_from_the_right_section() {
        let trunk = "[build]\nwasm_bindgen = \"no\"\n\n[tools]\n# pinned\nwasm_bindgen = \"0.2.130\" # same as Cargo.lock\n";
        assert_eq!(
            toml_string_in(trunk, "tools", "wasm_bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(toml_string_in(trunk, "tools", "wasm_opt"), None);
    }
}
